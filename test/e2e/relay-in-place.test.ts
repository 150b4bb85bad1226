import { afterAll, beforeAll, expect, test } from 'bun:test'
import { Msgtrans } from '../../src/index.ts'
import { decodePacket, encodePacket, routeExt, type Packet } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'

// A big payload relayed from a TCP sender to other sessions goes out in place to the
// first recipient (its header rewritten in the read buffer) and is encoded as usual for
// the others. Every recipient, on TCP or WebSocket, must get exactly the sent bytes.

const host = '127.0.0.1'
const listeners: number[] = []
const app = new Msgtrans({ tcp: { port: 0, hostname: host }, ws: { port: 0, hostname: host }, log: () => {} })
  .message('listen', ({ session }) => {
    listeners.push(session.id)
  })
  .message('relay', { codec: 'raw' }, ({ body, session }) => {
    for (const id of listeners) app.send(id, 'relay', body)
    session.send('relay', body) // and back to the sender
  })
  .message('echo', { codec: 'raw', borrow: true }, ({ body, session }) => {
    session.send('echo', body)
    session.send('ack', body.subarray(0, 4)) // a small packet right behind the echo
  })

beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff)
const packet = (id: number, route: string, payload: Uint8Array) => encodePacket({ id, ext: routeExt(route), flags: 4, payload })

test('a big payload relayed to WebSocket and TCP sessions arrives intact everywhere', async () => {
  const ws = new WebSocket(`ws://${host}:${app.ports.ws}/`)
  ws.binaryType = 'arraybuffer'
  const wsGot: Packet[] = []
  ws.onmessage = (ev) => wsGot.push(decodePacket(new Uint8Array(ev.data as ArrayBuffer)))
  await new Promise<void>((r) => (ws.onopen = () => r()))
  const tcpListener = await rawTcp(app.ports.tcp!)
  ws.send(packet(1, 'listen', new TextEncoder().encode('{}')))
  tcpListener.write(packet(1, 'listen', new TextEncoder().encode('{}')))
  await waitFor(() => listeners.length === 2, 5_000, 'two listeners')

  const sender = await rawTcp(app.ports.tcp!)
  const sizes = [20_000, 70_000, 300_000]
  // Several packets in one write, so some sit whole in one read and some span reads.
  const all = sizes.map((n, i) => packet(10 + i, 'relay', pattern(n, i)))
  const joined = new Uint8Array(all.reduce((s, p) => s + p.length, 0))
  all.reduce((at, p) => (joined.set(p, at), at + p.length), 0)
  sender.write(joined)
  const done = () => wsGot.length === 3 && tcpListener.packets.length === 3 && sender.packets.length === 3
  await waitFor(done, 10_000, 'relayed packets')
  for (const got of [wsGot, tcpListener.packets, sender.packets]) {
    expect(got.map((p) => p.payload.length)).toEqual(sizes)
    got.forEach((p, i) => expect(p.payload).toEqual(pattern(sizes[i]!, i)))
    expect(new Set(got.map((p) => new TextDecoder().decode(p.ext)))).toEqual(new Set(['route:relay']))
  }
  ws.close()
  tcpListener.socket.end()
  sender.socket.end()
})

test('big echoes back to back in one read leave as one run; small packets between and behind them keep their place', async () => {
  const sender = await rawTcp(app.ports.tcp!)
  // Seeded mix: runs of big packets (written in place, joined while the read is handled)
  // broken by small ones (corked in the batch), several writes of it.
  let seed = 7
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const sizes: number[] = []
  for (let w = 0; w < 6; w++) {
    const batch: Uint8Array[] = []
    for (let i = 0; i < 12; i++) {
      const n = rand() < 0.6 ? 16_384 + Math.floor(rand() * 50_000) : Math.floor(rand() * 200)
      batch.push(packet(sizes.length + 1, 'echo', pattern(n, sizes.length)))
      sizes.push(n)
    }
    const joined = new Uint8Array(batch.reduce((s, p) => s + p.length, 0))
    batch.reduce((at, p) => (joined.set(p, at), at + p.length), 0)
    expect(sender.socket.write(joined)).toBe(joined.length)
    await waitFor(() => sender.packets.length === 2 * sizes.length, 10_000, 'echoes and acks')
  }
  const route = (p: Packet) => new TextDecoder().decode(p.ext)
  expect(sender.packets.map(route)).toEqual(sizes.flatMap(() => ['route:echo', 'route:ack']))
  const echoes = sender.packets.filter((_, i) => i % 2 === 0)
  expect(echoes.map((p) => p.payload.length)).toEqual(sizes)
  echoes.forEach((p, i) => expect(p.payload).toEqual(pattern(sizes[i]!, i)))
  sender.packets.forEach((p, i) => i % 2 && expect(p.payload).toEqual(pattern(sizes[i >> 1]!, i >> 1).subarray(0, 4)))
  sender.socket.end()
})
