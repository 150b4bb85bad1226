import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Socket, TCPSocketListener } from 'bun'
import { connect, Msgtrans } from '../../src/index.ts'

// msgtrans-rust drops a WebSocket whose upgrade is late, and may refuse before it binds:
// the client retries both within connectTimeout. A proxy in front of our server drops
// the first connections before the handshake.
const host = '127.0.0.1'
const app = new Msgtrans({ ws: { port: 0, hostname: host }, log: () => {} }).request('ping', () => 'pong')
let dropped = 0
type ProxyData = { peer?: Socket<unknown>; buf: Uint8Array[] }
let proxy: TCPSocketListener<ProxyData>
beforeAll(async () => {
  await app.listen()
  proxy = Bun.listen<ProxyData>({
    hostname: host,
    port: 0,
    socket: {
      async open(s) {
        s.data = { buf: [] }
        if (dropped < 2) {
          dropped++
          return void s.end()
        }
        s.data.peer = await Bun.connect({
          hostname: host,
          port: app.ports.ws!,
          socket: { data: (_p, d) => void s.write(d), close: () => void s.end() },
        })
        for (const b of s.data.buf) s.data.peer.write(b)
      },
      data(s, d) {
        if (s.data.peer) s.data.peer.write(d)
        else s.data.buf.push(new Uint8Array(d))
      },
      close(s) {
        s.data.peer?.end()
      },
    },
  })
})
afterAll(async () => {
  proxy.stop(true)
  await app.stop()
})

test('a WebSocket dropped before the handshake is retried within connectTimeout', async () => {
  const c = await connect(`ws://${host}:${proxy.port}`, { connectTimeout: 3_000 })
  expect(dropped).toBe(2)
  expect(await c.request('ping')).toBe('pong')
  await c.close()
})

test('without time left, the drop is reported', async () => {
  dropped = 0
  const err = await connect(`ws://${host}:${proxy.port}`, { connectTimeout: 0 }).catch((e) => e)
  expect(String(err.message)).toContain('cannot open')
})
