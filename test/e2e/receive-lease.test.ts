import { afterAll, beforeAll, expect, test } from 'bun:test'
import net from 'node:net'
import { Msgtrans } from '../../src/index.ts'
import { encodePacket, receivePoolStats, routeExt, TcpFramer, type Packet } from '../../src/protocol/index.ts'
import { waitFor } from '../helpers/wait.ts'

// Packets that span socket reads are collected into lent receive buffers. These tests
// drive real sockets and split every big packet across two writes (with a pause), so the
// server always sees it in more than one chunk.

const host = '127.0.0.1'
const kept: Uint8Array[] = []
const borrowedKept: Uint8Array[] = []
const jsonSeen: number[] = []
const keptEchoed: Uint8Array[] = []
const app = new Msgtrans({ tcp: { port: 0, hostname: host }, log: () => {} })
  .message('keep', { codec: 'raw' }, ({ body }) => {
    kept.push(body)
  })
  .message('peek', { codec: 'raw', borrow: true }, ({ body }) => {
    borrowedKept.push(body)
  })
  .message('json', ({ body }) => {
    jsonSeen.push((body as { n: number; fill: string }).n)
  })
  .message('echo', { codec: 'raw', borrow: true }, ({ body, session }) => {
    session.send('echo', body)
  })
  .message('keep-echo', { codec: 'raw' }, ({ body, session }) => {
    keptEchoed.push(body)
    session.send('keep-echo', body) // big: written in place, by reference
    session.send('keep-echo', body) // and again: a copy
  })
  .message('later', { codec: 'raw', borrow: true }, async ({ body, session }) => {
    await Bun.sleep(5)
    session.send('later', body.slice(0, 8))
  })

beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

interface Peer {
  sock: net.Socket
  got: Packet[]
  /** Writes a packet in two parts with a pause between, so it spans server reads. */
  sendSplit(route: string, payload: Uint8Array): Promise<void>
}

async function peer(): Promise<Peer> {
  const sock = net.connect(app.ports.tcp!, host)
  await new Promise<void>((r) => sock.once('connect', () => r()))
  const framer = new TcpFramer()
  const got: Packet[] = []
  sock.on('data', (c) => framer.push(new Uint8Array(c as Buffer), (p) => got.push({ ...p, payload: p.payload.slice() })))
  let id = 0
  return {
    sock,
    got,
    async sendSplit(route, payload) {
      const bytes = encodePacket({ id: ++id, ext: routeExt(route), flags: 4, payload })
      const cut = 100 + (id % 50)
      sock.write(bytes.subarray(0, cut))
      await Bun.sleep(2)
      await new Promise<void>((r) => sock.write(bytes.subarray(cut), () => r()))
    },
  }
}

const pattern = (n: number, seed: number) => {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

test('raw bodies without borrow stay the handler’s: kept views are intact after more big packets', async () => {
  const p = await peer()
  for (let i = 0; i < 6; i++) await p.sendSplit('keep', pattern(20_000 + i, i))
  await waitFor(() => kept.length === 6, 5_000, 'six kept bodies')
  // More big packets through lending routes must not reuse those buffers.
  for (let i = 0; i < 6; i++) await p.sendSplit('json', new TextEncoder().encode(JSON.stringify({ n: i, fill: 'x'.repeat(9000) })))
  await waitFor(() => jsonSeen.length === 6, 5_000, 'six json packets')
  for (let i = 0; i < 6; i++) expect(kept[i]).toEqual(pattern(20_000 + i, i))
  p.sock.destroy()
})

test('JSON routes and borrowing raw routes give the buffer back: it is reused, and a view kept past the handler is detached', async () => {
  const p = await peer()
  const before = { ...receivePoolStats }
  for (let i = 0; i < 20; i++) await p.sendSplit('json', new TextEncoder().encode(JSON.stringify({ n: 100 + i, fill: 'y'.repeat(12_000) })))
  await waitFor(() => jsonSeen.includes(119), 5_000, 'json packets')
  expect(jsonSeen.slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i))
  expect(receivePoolStats.lent - before.lent).toBe(20)
  expect(receivePoolStats.released - before.released).toBe(20)
  expect(receivePoolStats.reused - before.reused).toBeGreaterThanOrEqual(19)

  await p.sendSplit('peek', pattern(30_000, 7))
  await waitFor(() => borrowedKept.length === 1, 5_000, 'borrowed body')
  expect(borrowedKept[0]!.length).toBe(0) // detached once the handler returned
  p.sock.destroy()
})

test('a borrowed body echoed back by reference survives a stalled reader (big payloads are queued, not copied)', async () => {
  const p = await peer()
  const N = 40 // 16 MB: more than loopback socket buffers hold, so the server queues
  const size = 400_000 // above the size written beside its header (no copy)
  p.sock.pause()
  for (let i = 0; i < N; i++) await p.sendSplit('echo', pattern(size, 50 + i))
  // Meanwhile other big packets reuse the receive pool.
  const q = await peer()
  for (let i = 0; i < 10; i++) await q.sendSplit('json', new TextEncoder().encode(JSON.stringify({ n: 200 + i, fill: 'z'.repeat(400_000) })))
  await waitFor(() => jsonSeen.includes(209), 5_000, 'json packets')
  p.sock.resume()
  await waitFor(() => p.got.length === N, 20_000, 'echoes')
  for (let i = 0; i < N; i++) expect(p.got[i]!.payload).toEqual(pattern(size, 50 + i))
  p.sock.destroy()
  q.sock.destroy()
})

test('an async borrowing handler reads its body until its promise settles', async () => {
  const p = await peer()
  const before = receivePoolStats.released
  for (let i = 0; i < 5; i++) await p.sendSplit('later', pattern(10_000, 90 + i))
  await waitFor(() => p.got.length === 5, 5_000, 'replies')
  for (let i = 0; i < 5; i++) expect(p.got[i]!.payload).toEqual(pattern(10_000, 90 + i).slice(0, 8))
  await waitFor(() => receivePoolStats.released - before === 5, 2_000, 'leases released after settling')
  p.sock.destroy()
})

test('a kept body also sent on in place (twice) survives a stalled reader and later big packets', async () => {
  const p = await peer()
  const N = 30
  const size = 300_000 // queued by reference while the reader is paused
  p.sock.pause()
  for (let i = 0; i < N; i++) await p.sendSplit('keep-echo', pattern(size, 120 + i))
  await waitFor(() => keptEchoed.length === N, 5_000, 'kept bodies')
  const q = await peer()
  for (let i = 0; i < 10; i++) await q.sendSplit('json', new TextEncoder().encode(JSON.stringify({ n: 300 + i, fill: 'k'.repeat(300_000) })))
  await waitFor(() => jsonSeen.includes(309), 5_000, 'json packets')
  p.sock.resume()
  await waitFor(() => p.got.length === 2 * N, 20_000, 'echoes')
  for (let i = 0; i < 2 * N; i++) expect(p.got[i]!.payload).toEqual(pattern(size, 120 + (i >> 1)))
  keptEchoed.forEach((body, i) => expect(body).toEqual(pattern(size, 120 + i)))
  p.sock.destroy()
  q.sock.destroy()
})

