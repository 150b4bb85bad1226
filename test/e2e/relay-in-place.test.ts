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
