import { expect, test } from 'bun:test'
import {
  COPY_SMALL_PAYLOAD,
  decodePacket,
  encodePacket,
  PacketType,
  routeExt,
  routeName,
  TcpFramer,
  type BufferOwner,
  type Packet,
} from '../../src/protocol/index.ts'
import { writePacket, type Connection } from '../../src/transport/index.ts'

// A connection that keeps every write by reference, as a TCP queue does when the socket
// takes only part of it: a header rewritten under a queued write would show here.
function keepingConn() {
  const writes: Array<{ bytes: Uint8Array; owner?: BufferOwner }> = []
  const conn = {
    transport: 'tcp',
    remoteAddress: '127.0.0.1',
    bufferedAmount: 0,
    closed: false,
    write(bytes: Uint8Array, owner?: BufferOwner) {
      owner?.retain()
      writes.push({ bytes, owner })
      return 'queued'
    },
    close() {},
    abort() {},
  } as unknown as Connection
  return { conn, writes }
}

// Route tags seen on the wire are interned; only packets whose ext is not a view of the
// read buffer are offered (their header bytes may then change under nobody).
routeName(routeExt('echo'), 4)

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff)
const packetOf = (id: number, n: number, route = 'echo') =>
  encodePacket({ id, ext: routeExt(route), flags: 4, payload: pattern(n, id) })
const joined = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.length))
  return out
}
const send = (conn: Connection, p: Packet, id: number, route = 'echo') =>
  writePacket(conn, PacketType.oneWay, 0, id, 4, 0, routeExt(route), p.payload)

test('a big payload sent on from its handler goes out in place; a second send of it is a copy', () => {
  const { conn, writes } = keepingConn()
  const chunk = joined(packetOf(1, 20_000), packetOf(2, 100), packetOf(3, 30_000))
  const original = chunk.slice()
  new TcpFramer(undefined, { inPlace: true }).push(chunk, (p) => {
    send(conn, p, 1000 + p.id)
    send(conn, p, 2000 + p.id)
  })
  const got = writes.map((w) => decodePacket(w.bytes.slice()))
  expect(got.map((p) => p.id)).toEqual([1001, 2001, 1002, 2002, 1003, 2003])
  got.forEach((p) => expect(p.payload).toEqual(pattern(p.payload.length, p.id % 1000)))
  // The first send of each big payload is a view of the read buffer itself.
  const inPlace = writes.map((w) => w.bytes.buffer === chunk.buffer)
  expect(inPlace).toEqual([true, false, false, false, true, false])
  // Only the two big packets' headers changed in the read buffer (their ids).
  const changed = [...chunk.keys()].filter((i) => chunk[i] !== original[i]).length
  expect(changed).toBeGreaterThan(0)
  expect(changed).toBeLessThanOrEqual(8)
})

test('no in place: another header length, a framer without the option, a send after the handler', () => {
  const { conn, writes } = keepingConn()
  const kept: Packet[] = []
  const chunk = packetOf(5, 20_000)
  new TcpFramer(undefined, { inPlace: true }).push(chunk, (p) => {
    send(conn, p, 50, 'echo-longer') // a longer route tag does not fit the old header
    kept.push(p)
  })
  send(conn, kept[0]!, 51) // later (an async handler): the offer is over
  const plain = packetOf(6, 20_000)
  new TcpFramer().push(plain, (p) => void send(conn, p, 60))
  // An ext of more than COPY_SMALL_PAYLOAD bytes never seen as a route is a view of the
  // read buffer: not offered.
  const long = 'r'.repeat(COPY_SMALL_PAYLOAD + 1)
  const odd = packetOf(8, 20_000, long)
  new TcpFramer(undefined, { inPlace: true }).push(odd, (p) => void send(conn, p, 80, long))
  const sources = [chunk, chunk, plain, odd].map((c) => c.buffer)
  expect(writes.map((w, i) => w.bytes.buffer === sources[i])).toEqual([false, false, false, false])
  expect(writes.map((w) => decodePacket(w.bytes).id)).toEqual([50, 51, 60, 80])
  expect(decodePacket(writes[0]!.bytes).ext).toEqual(routeExt('echo-longer'))
})

test('a short ext never seen as a route is copied out of the read, so its packet may go in place', () => {
  const { conn, writes } = keepingConn()
  const odd = packetOf(9, 20_000, 'never-routed-short')
  new TcpFramer(undefined, { inPlace: true }).push(odd, (p) => {
    expect(p.ext.buffer === odd.buffer).toBe(false)
    void send(conn, p, 90, 'never-routed-short')
  })
  expect(writes.map((w) => w.bytes.buffer === odd.buffer)).toEqual([true])
  const out = decodePacket(writes[0]!.bytes.slice())
  expect([out.id, new TextDecoder().decode(out.ext)]).toEqual([90, 'route:never-routed-short'])
  expect(out.payload).toEqual(pattern(20_000, 9))
})

test('a packet that spanned reads goes out in place from its lent buffer, which the write retains', () => {
  const { conn, writes } = keepingConn()
  const bytes = packetOf(7, 50_000)
  const framer = new TcpFramer(undefined, { inPlace: true })
  const deliver = (p: Packet) => void send(conn, p, 70)
  framer.push(bytes.subarray(0, 1_000), deliver)
  framer.push(bytes.subarray(1_000), deliver)
  expect(writes.length).toBe(1)
  const w = writes[0]!
  expect(w.owner).toBeDefined()
  expect(decodePacket(w.bytes.slice()).id).toBe(70)
  expect(decodePacket(w.bytes).payload).toEqual(pattern(50_000, 7))
  // Nobody claimed the lease (no route here), so it is the packet's: releasing keeps it.
  w.owner!.release()
  expect(w.bytes.length).toBe(bytes.length)
})
