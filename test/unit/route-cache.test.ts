import { expect, test } from 'bun:test'
import { Msgtrans } from '../../src/index.ts'
import { decodePacket, encodePacket, PacketType, routeExt, TcpFramer, type Packet } from '../../src/protocol/index.ts'
import type { Connection } from '../../src/transport/index.ts'

// A connection that decodes what the server writes to it.
function capturing() {
  const got: Packet[] = []
  const conn = {
    transport: 'tcp',
    remoteAddress: '127.0.0.1',
    bufferedAmount: 0,
    closed: false,
    write(bytes: Uint8Array) {
      got.push(decodePacket(bytes.slice()))
      return 'sent'
    },
    close() {},
  } as unknown as Connection
  return { conn, got }
}

// Delivers one packet for `route` as the TCP framer hands it out (interned route tag).
function deliver(handlers: ReturnType<Msgtrans['mount']>, conn: Connection, route: string, id: number, biz = 0) {
  const bytes = encodePacket({ type: PacketType.request, biz, id, ext: routeExt(route), flags: 4, payload: new TextEncoder().encode('1') })
  new TcpFramer().push(bytes, (p) => handlers.packet(conn, p))
}

const bodyOf = (p: Packet) => JSON.parse(new TextDecoder().decode(p.payload))

test('a route added after packets for its name arrived is found (the last-route cache is not stale)', () => {
  const app = new Msgtrans({ log: () => {} }).request('a', () => 'a')
  const handlers = app.mount()
  const { conn, got } = capturing()
  handlers.open(conn)
  deliver(handlers, conn, 'late', 1)
  deliver(handlers, conn, 'late', 2)
  app.request('late', () => 'late')
  deliver(handlers, conn, 'late', 3)
  deliver(handlers, conn, 'a', 4)
  deliver(handlers, conn, 'late', 5)
  expect(got.map((p) => p.id)).toEqual([1, 2, 3, 4, 5])
  expect(got.slice(0, 2).map((p) => bodyOf(p).code)).toEqual(['E_NOT_FOUND', 'E_NOT_FOUND'])
  expect(got.slice(2).map(bodyOf)).toEqual(['late', 'a', 'late'])
})

test('two apps with the same route name each reach their own handler, alternating', () => {
  const one = new Msgtrans({ log: () => {} }).request('same', () => 1).mount()
  const two = new Msgtrans({ log: () => {} }).request('same', () => 2).mount()
  const a = capturing()
  const b = capturing()
  one.open(a.conn)
  two.open(b.conn)
  for (let i = 0; i < 4; i++) {
    deliver(one, a.conn, 'same', i)
    deliver(two, b.conn, 'same', i)
  }
  expect(a.got.map(bodyOf)).toEqual([1, 1, 1, 1])
  expect(b.got.map(bodyOf)).toEqual([2, 2, 2, 2])
})

test('packets without a route tag go by biz_type, never by the last route name', () => {
  const app = new Msgtrans({ log: () => {} }).request('named', { biz: 7 }, () => 'named').request('other', { biz: 9 }, () => 'other')
  const handlers = app.mount()
  const { conn, got } = capturing()
  handlers.open(conn)
  deliver(handlers, conn, 'named', 1)
  const byBiz = encodePacket({ type: PacketType.request, biz: 9, id: 2, payload: new TextEncoder().encode('1') })
  new TcpFramer().push(byBiz, (p) => handlers.packet(conn, p))
  const byOtherBiz = encodePacket({ type: PacketType.request, biz: 7, id: 3, payload: new TextEncoder().encode('1') })
  new TcpFramer().push(byOtherBiz, (p) => handlers.packet(conn, p))
  deliver(handlers, conn, 'named', 4)
  expect(got.map(bodyOf)).toEqual(['named', 'other', 'named', 'named'])
})

test('sends name the route they are given, also right after another one (routeExt, bizOf)', () => {
  const app = new Msgtrans({ log: () => {} })
    .push('p1', { biz: 11 })
    .request('go', ({ session }) => {
      session.send('p2', 1)
      session.send('p1', 2)
      session.send('p2', 3)
      return 'ok'
    })
  const handlers = app.mount()
  const { conn, got } = capturing()
  handlers.open(conn)
  deliver(handlers, conn, 'go', 1)
  app.push('p2', { biz: 12 })
  deliver(handlers, conn, 'go', 2)
  const ext = (p: Packet) => new TextDecoder().decode(p.ext)
  expect(got.map((p) => `${ext(p)}:${p.biz}`)).toEqual([
    'route:p2:0', 'route:p1:11', 'route:p2:0', ':0',
    // p2 was the last route asked for when its push was declared
    'route:p2:12', 'route:p1:11', 'route:p2:12', ':0',
  ])
})
