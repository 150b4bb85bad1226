/**
 * Our client against a real Rust msgtrans 1.0.x server (test/interop, `interop server`),
 * over TCP and WebSocket. The Rust server echoes one-way packets (id 0, same biz, ext,
 * compression), answers requests with biz 0 and the payload reversed, and on command
 * pushes one-way packets and sends requests to us.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Client } from '../../src/client/index.ts'
import type { Packet } from '../../src/protocol/index.ts'
import { filler, fnv, hex, reversed, RustPeer, u32be, utf8 } from './peer.ts'
import { waitFor } from '../helpers/wait.ts'

const RUST_TCP_MAX_PAYLOAD = 1024 * 1024
const SLOW = 60_000

let rust: RustPeer & { ports: { tcp?: number; ws?: number } }
let rustZ: RustPeer & { ports: { tcp?: number; ws?: number } }

beforeAll(async () => {
  ;[rust, rustZ] = await Promise.all([RustPeer.server(), RustPeer.server({ compress: true })])
}, 600_000) // a cold machine builds the Rust peers first

afterAll(async () => {
  await Promise.all([rust?.stop(), rustZ?.stop()])
})

/** Our client plus everything it received and its session id on the Rust server. */
type Conn = { c: Client; got: Packet[]; session: number }

let helloSeq = 0
async function open(peer: RustPeer & { ports: any }, transport: 'tcp' | 'ws', opts = {}): Promise<Conn> {
  const c = await connect(`${transport}://127.0.0.1:${peer.ports[transport]}`, opts)
  const got: Packet[] = []
  // Copies: packets are views into socket buffers (and Buffer#slice would not copy).
  c.on('*', (_body, p) => got.push({ ...p, ext: new Uint8Array(p.ext), payload: new Uint8Array(p.payload) }))
  // Learn which Rust session we are: send a uniquely tagged hello and find it.
  const tag = `hello-${transport}-${++helloSeq}`
  c.send({ biz: 1, ext: tag })
  const seen = await peer.waitFor((e) => e.ev === 'recv' && e.ext_hex === hex(utf8(tag)), 5_000, tag)
  await waitUntil(() => got.some((p) => new TextDecoder().decode(p.ext) === tag), tag)
  got.length = 0
  return { c, got, session: seen.session }
}

const waitUntil = <T,>(cond: () => T, what: string) => waitFor(cond, 10_000, what)

for (const transport of ['tcp', 'ws'] as const) {
  describe(`our client ↔ Rust server over ${transport}`, () => {
    let conn: Conn
    beforeAll(async () => {
      conn = await open(rust, transport)
    })
    afterAll(async () => {
      await conn?.c.close()
    })

    test('one-way with biz_type and ext header, both ways', async () => {
      const { c, got, session } = conn
      expect(c.send({ biz: 5, ext: 'hdr:one' }, utf8('hello world'))).not.toBe('dropped')
      const e = await rust.waitFor((e) => e.session === session && e.hex === hex(utf8('hello world')))
      expect(e).toMatchObject({ type: 0, biz: 5, flags: 0, compression: 0, ext_hex: hex(utf8('hdr:one')) })
      // The Rust echo: one-way, id 0 (accepted), same biz and ext.
      const echo = await waitUntil(() => got.find((p) => hex(p.payload) === hex(utf8('hello world'))), 'echo')
      expect(echo).toMatchObject({ type: 0, id: 0, biz: 5, flags: 0, compression: 0 })
      expect(new TextDecoder().decode(echo.ext)).toBe('hdr:one')
    })

    test('route:<name> routing: our flag 0x4 reaches Rust, its flags-0 echo reaches c.on(route)', async () => {
      const { c, session } = conn
      const bodies: unknown[] = []
      const off = c.on('chat/send', (body, p) => bodies.push({ body, flags: p.flags }))
      c.send('chat/send', { room: 'lobby', text: 'hi' })
      const e = await rust.waitFor((e) => e.session === session && e.ext_hex === hex(utf8('route:chat/send')))
      expect(e.flags & 0x4).toBe(0x4) // what we sent
      await waitUntil(() => bodies.length > 0, 'routed echo')
      off()
      expect(bodies[0]).toEqual({ body: { room: 'lobby', text: 'hi' }, flags: 0 })
    })

    test('request/response: matched by id although Rust answers with biz 0', async () => {
      const { c, session } = conn
      const reply = await c.requestPacket({ biz: 10 }, utf8('ping'))
      expect(reply).toMatchObject({ type: 2, biz: 0, flags: 0 })
      expect(new TextDecoder().decode(reply.payload)).toBe('gnip')
      // Its stdout line may trail the response on the socket: wait for it.
      const req = await rust.waitFor((e) => e.ev === 'recv' && e.session === session && e.type === 1 && e.id === reply.id)
      expect(req).toMatchObject({ biz: 10, hex: hex(utf8('ping')) })
      // request() with a raw body resolves with the payload bytes.
      const raw = await c.request({ biz: 11, ext: 'x' }, utf8('abc'), { raw: true })
      expect(new TextDecoder().decode(raw as Uint8Array)).toBe('cba')
    })

    test('Rust server pushes with ids 0 and 0xffffffff are delivered', async () => {
      const { got, session } = conn
      await rust.ok({ op: 'push', session, id: 0, biz: 40, text: 'id-zero' })
      await rust.ok({ op: 'push', session, id: 0xffffffff, biz: 40, ext: 'route:news', text: '"max"' })
      await waitUntil(() => got.filter((p) => p.biz === 40).length === 2, 'pushes')
      const [a, b] = got.filter((p) => p.biz === 40)
      expect(a).toMatchObject({ id: 0, type: 0 })
      expect(b).toMatchObject({ id: 0xffffffff, type: 0, flags: 0 })
    })

    test("Rust server's requests (ids 20000+, 0, 0xffffffff) are answered by our client", async () => {
      const { c, session } = conn
      c.handle(22, (_body, p) => reversed(p.payload))
      for (const id of [undefined, 0, 0xffffffff]) {
        const done = await rust.ok({ op: 'request', session, id, biz: 22, ext: 'srv:req', text: 'status?' })
        expect(done.response).toMatchObject({ type: 2, biz: 22, compression: 0, hex: hex(utf8('?sutats')) })
        expect(done.response.id).toBe(done.id)
        if (id !== undefined) expect(done.id).toBe(id)
      }
    })

    test('1,000 one-way packets in flight keep their order both ways', async () => {
      const { c, got, session } = conn
      for (let i = 0; i < 1000; i++) c.send({ biz: 77 }, u32be(i))
      const seen = await rust.waitCount((e) => e.session === session && e.biz === 77, 1000, SLOW)
      expect(seen.map((e) => parseInt(e.hex, 16))).toEqual([...Array(1000).keys()])
      await waitUntil(() => got.filter((p) => p.biz === 77).length === 1000, 'echoes')
      const echoes = got.filter((p) => p.biz === 77).map((p) => new DataView(p.payload.buffer).getUint32(0))
      expect(echoes).toEqual([...Array(1000).keys()])
      // And 1,000 pushed by the Rust server from one task.
      got.length = 0
      await rust.ok({ op: 'burst', session, count: 1000, biz: 78 }, SLOW)
      await waitUntil(() => got.filter((p) => p.biz === 78).length === 1000, 'burst')
      const burst = got.filter((p) => p.biz === 78).map((p) => new DataView(p.payload.buffer).getUint32(0))
      expect(burst).toEqual([...Array(1000).keys()])
    })

    test('1,000 requests in flight both ways, every one answered by id', async () => {
      const { c, session } = conn
      const replies = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => c.request({ biz: 12 }, u32be(i), { raw: true })),
      )
      replies.forEach((r, i) => expect(hex(r as Uint8Array)).toBe(hex(reversed(u32be(i)))))
      c.handle(0, (_body, p) => reversed(p.payload))
      const done = await rust.ok({ op: 'requests', session, count: 1000 }, SLOW)
      expect(done).toMatchObject({ ok: 1000, bad: 0, errors: [] })
    })

    for (const size of [0, 1024, 64 * 1024, 1024 * 1024]) {
      test(`payload of ${size} bytes: one-way echo and request both ways`, async () => {
        const { c, got, session } = conn
        const body = filler(size)
        c.send({ biz: 90 }, body)
        const echo = await waitUntil(() => got.find((p) => p.biz === 90), 'echo')
        expect(echo.payload.length).toBe(size)
        expect(fnv(echo.payload)).toBe(fnv(body))
        const reply = await c.request({ biz: 91 }, body, { raw: true })
        expect(fnv(reply as Uint8Array)).toBe(fnv(reversed(body)))
        got.length = 0
        await rust.ok({ op: 'push', session, biz: 92, len: size })
        const pushed = await waitUntil(() => got.find((p) => p.biz === 92), 'push')
        expect(fnv(pushed.payload)).toBe(fnv(body))
        c.handle(93, (_b, p) => reversed(p.payload))
        const done = await rust.ok({ op: 'request', session, biz: 93, len: size })
        expect(done.response).toMatchObject({ len: size, fnv: fnv(reversed(body)) })
        got.length = 0
      }, SLOW)
    }
  })
}

test('maxSendPayload: 1 MiB for a msgtrans-rust TCP peer; one byte more throws before sending', async () => {
  const { c, session } = await open(rust, 'tcp', { maxSendPayload: RUST_TCP_MAX_PAYLOAD })
  expect(() => c.send({ biz: 95 }, filler(RUST_TCP_MAX_PAYLOAD + 1))).toThrow(RangeError)
  expect(c.request({ biz: 95 }, filler(RUST_TCP_MAX_PAYLOAD + 1))).rejects.toThrow(RangeError)
  // The connection is still fine, and exactly 1 MiB goes through.
  c.send({ biz: 95 }, filler(RUST_TCP_MAX_PAYLOAD))
  const e = await rust.waitFor((e) => e.session === session && e.biz === 95, SLOW)
  expect(e.len).toBe(RUST_TCP_MAX_PAYLOAD)
  await c.close()
})

test('without maxSendPayload, 1 MiB + 1 over TCP makes the Rust server close; WS has no such cap', async () => {
  const tcp = await open(rust, 'tcp')
  tcp.c.send({ biz: 96 }, filler(RUST_TCP_MAX_PAYLOAD + 1))
  const closed = await Promise.race([tcp.c.closed(), Bun.sleep(10_000).then(() => 'still open')])
  expect(closed).not.toBe('still open')
  const ws = await open(rust, 'ws')
  const big = filler(2 * RUST_TCP_MAX_PAYLOAD)
  const reply = await ws.c.request({ biz: 97 }, big, { raw: true, timeout: SLOW })
  expect(fnv(reply as Uint8Array)).toBe(fnv(reversed(big)))
  await ws.c.close()
}, SLOW)

for (const transport of ['tcp', 'ws'] as const) {
  describe(`compression with the Rust flate2+zstd build over ${transport}`, () => {
    let conn: Conn
    beforeAll(async () => {
      conn = await open(rustZ, transport)
    })
    afterAll(async () => {
      await conn?.c.close()
    })

    for (const codec of ['zlib', 'zstd'] as const) {
      const code = codec === 'zlib' ? 2 : 1
      test(`${codec} (${code}) one-way, request and push`, async () => {
        const { c, got, session } = conn
        const text = `hello ${codec} `.repeat(50)
        c.send({ biz: 3, ext: 'ext' }, utf8(text), { compression: codec })
        const e = await rustZ.waitFor((e) => e.session === session && e.biz === 3 && e.compression === code)
        expect(e.dhex).toBe(hex(utf8(text))) // the crate decompressed our bytes
        expect(e.ext_hex).toBe(hex(utf8('ext'))) // ext header is never compressed
        expect(e.len).toBeLessThan(text.length)
        const echo = await waitUntil(() => got.find((p) => p.biz === 3), 'compressed echo')
        expect(echo.compression).toBe(code)
        // Its request is answered compressed with the same codec; we decompress.
        const reply = await c.requestPacket({ biz: 4 }, utf8(text), { compression: codec })
        expect(reply.compression).toBe(code)
        const plain = await c.request({ biz: 4 }, utf8(text), { compression: codec, raw: true })
        expect(hex(plain as Uint8Array)).toBe(hex(reversed(utf8(text))))
        // A compressed push from Rust is decoded by our client.
        const bodies: unknown[] = []
        c.on(6, (body, p) => bodies.push({ body, compression: p.compression }))
        await rustZ.ok({ op: 'push', session, biz: 6, compression: codec, text: JSON.stringify({ z: text }) })
        await waitUntil(() => bodies.length > 0, 'compressed push')
        expect(bodies[0]).toEqual({ body: { z: text }, compression: code })
        got.length = 0
      })
    }
  })
}
