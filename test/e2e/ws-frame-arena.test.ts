import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Msgtrans } from '../../src/index.ts'
import { decodePacket, encodePacket, frameArenaStats, routeExt, type Packet } from '../../src/protocol/index.ts'
import { waitFor } from '../helpers/wait.ts'

// WebSocket frames of 129 B .. 4 KiB of payload are copied into a reused frame arena
// (src/protocol/frame-arena.ts). Every route kind must see exactly its own bytes, and a
// view kept past its handler must never show another packet's bytes.

const host = '127.0.0.1'
const kept: Array<{ seed: number; body: Uint8Array }> = []
const borrowedKept: Array<{ seed: number; body: Uint8Array }> = []
const jsonSeen: number[] = []
const app = new Msgtrans({ ws: { port: 0, hostname: host }, log: () => {} })
  .message('keep', { codec: 'raw' }, ({ body }) => {
    kept.push({ seed: body[0]!, body })
  })
  .message('peek', { codec: 'raw', borrow: true }, ({ body }) => {
    borrowedKept.push({ seed: body[0]!, body }) // breaks the borrow contract on purpose
  })
  .message('json', ({ body }) => {
    jsonSeen.push((body as { n: number }).n)
  })
  .message('echo', { codec: 'raw', borrow: true }, ({ body, session }) => {
    session.send('echo', body)
  })
  .message('later', { codec: 'raw', borrow: true }, async ({ body, session }) => {
    await Bun.sleep(20)
    session.send('later', body)
  })

beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

interface Peer {
  ws: WebSocket
  got: Packet[]
  send(route: string, payload: Uint8Array): void
}

async function peer(): Promise<Peer> {
  const ws = new WebSocket(`ws://${host}:${app.ports.ws}/`)
  ws.binaryType = 'arraybuffer'
  const got: Packet[] = []
  ws.onmessage = (ev) => got.push(decodePacket(new Uint8Array(ev.data as ArrayBuffer)))
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('ws connect failed'))
  })
  let id = 0
  return { ws, got, send: (route, payload) => ws.send(encodePacket({ id: ++id, ext: routeExt(route), flags: 4, payload })) }
}

// A payload whose every byte depends on its seed (first byte = seed).
const pattern = (n: number, seed: number) => {
  const b = new Uint8Array(n)
  b[0] = seed
  for (let i = 1; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff
  return b
}
const sizes = [129, 700, 1_024, 2_000, 4_000]

test('kept raw bodies stay intact while the arena is reused underneath', async () => {
  const p = await peer()
  const { recycled: recycledBefore, escaped: escapedBefore } = frameArenaStats
  for (let i = 0; i < 40; i++) p.send('keep', pattern(sizes[i % sizes.length]!, i))
  // Enough borrowed echoes to fill and recycle several 64 KiB arenas.
  for (let i = 0; i < 300; i++) p.send('echo', pattern(sizes[i % sizes.length]!, i & 0xff))
  await waitFor(() => kept.length === 40 && p.got.length === 300, 5_000, 'kept bodies and echoes')
  expect(frameArenaStats.recycled - recycledBefore).toBeGreaterThanOrEqual(3)
  // The keeping route got copies, so no arena had to be given up to the GC.
  expect(frameArenaStats.escaped - escapedBefore).toBe(0)
  kept.forEach(({ seed, body }, i) => {
    expect(seed).toBe(i)
    expect(body).toEqual(pattern(sizes[i % sizes.length]!, i))
  })
  p.got.forEach((pk, i) => expect(pk.payload).toEqual(pattern(sizes[i % sizes.length]!, i & 0xff)))
  p.ws.close()
})

test('a borrowed body kept past its handler reads as empty or as itself, never as another packet', async () => {
  const p = await peer()
  borrowedKept.length = 0
  for (let i = 0; i < 60; i++) p.send('peek', pattern(1_000, i))
  for (let i = 0; i < 300; i++) p.send('json', new TextEncoder().encode(JSON.stringify({ n: i, pad: 'x'.repeat(400) })))
  await waitFor(() => borrowedKept.length === 60 && jsonSeen.length >= 300, 5_000, 'peeked and json packets')
  let detached = 0
  borrowedKept.forEach(({ seed, body }, i) => {
    expect(seed).toBe(i)
    if (body.length === 0) detached++
    else expect(body).toEqual(pattern(1_000, i))
  })
  // The arenas under the first peeked bodies were recycled: those views are detached.
  expect(detached).toBeGreaterThan(0)
  expect(jsonSeen.slice(-300)).toEqual(Array.from({ length: 300 }, (_, i) => i))
  p.ws.close()
})

test('an async borrowing handler keeps its arena until it settles', async () => {
  const p = await peer()
  for (let i = 0; i < 5; i++) p.send('later', pattern(2_000, 200 + i))
  // Meanwhile, enough traffic to fill the arena those five live in many times over.
  for (let i = 0; i < 300; i++) p.send('echo', pattern(1_500, i & 0xff))
  await waitFor(() => p.got.filter((pk) => pk.payload.length === 2_000).length === 5, 5_000, 'five late replies')
  const late = p.got.filter((pk) => pk.payload.length === 2_000).map((pk) => pk.payload[0]!)
  expect(late.sort()).toEqual([200, 201, 202, 203, 204])
  for (const pk of p.got) {
    const n = pk.payload.length
    expect(pk.payload).toEqual(pattern(n, pk.payload[0]!))
  }
  p.ws.close()
})
