/**
 * A real Rust msgtrans 1.0.x client (test/interop, `interop client`) against our
 * server, over TCP and WebSocket. The app below echoes one-way packets and answers
 * requests with the payload reversed, through ordinary DSL routes; an onMessage hook
 * records every inbound packet so the wire fields can be checked.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Msgtrans } from '../../src/index.ts'
import { ERROR_EXT, ErrorCode, type Packet } from '../../src/protocol/index.ts'
import { filler, fnv, hex, reversed, RustPeer, u32be, utf8 } from './peer.ts'
import { waitFor } from '../helpers/wait.ts'

const SLOW = 60_000
const codecName = (c: number) => (c === 2 ? 'zlib' : c === 1 ? 'zstd' : undefined)

type Seen = Packet & { session: number }
const seen: Seen[] = []
const chat: unknown[] = []

/** Echo a one-way back to its sender with the same biz, ext and compression. */
const echo = ({ session, packet, body }: any) => {
  const compression = codecName(packet.compression)
  session.send({ biz: packet.biz, ext: packet.ext }, body, compression ? { compression } : undefined)
}
/** Requests get the payload reversed; one-way packets on the same biz are echoed. */
const reverseOrEcho = (ctx: any) => (ctx.packet.type === 0 ? echo(ctx) : reversed(ctx.body))

const app = new Msgtrans({
  tcp: { port: 0, hostname: '127.0.0.1' },
  ws: { port: 0, hostname: '127.0.0.1' },
  log: () => {},
})
  .onMessage(({ session, packet }) => {
    seen.push({ ...packet, ext: new Uint8Array(packet.ext), payload: new Uint8Array(packet.payload), session: session.id })
  })
  .request('any', { biz: 0, codec: 'raw' }, reverseOrEcho)
  .message('echo', { biz: 7, codec: 'raw' }, echo)
  .request('rev', { biz: 9, codec: 'raw' }, reverseOrEcho)
  .request('rev/zlib', { biz: 21, codec: 'raw', compression: 'zlib' }, reverseOrEcho)
  .request('rev/zstd', { biz: 22, codec: 'raw', compression: 'zstd' }, reverseOrEcho)
  .message('chat/send', ({ body, session }) => {
    chat.push(body)
    session.send('chat/said', body)
  })

beforeAll(async () => {
  await app.listen()
})
afterAll(async () => {
  await app.stop()
})

const urlOf = (transport: 'tcp' | 'ws') => `${transport}://127.0.0.1:${app.ports[transport]}`
const from = (session: number) => seen.filter((p) => p.session === session)

const waitUntil = <T,>(cond: () => T, what: string) => waitFor(cond, 10_000, what)

/** Starts a Rust client and finds its session on our server by a first plain send. */
async function rustClient(transport: 'tcp' | 'ws', compress = false) {
  const before = new Set(app.sessions.keys())
  const peer = await RustPeer.client(urlOf(transport), { compress })
  const session = await waitUntil(() => [...app.sessions.keys()].find((id) => !before.has(id)), 'session')
  return { peer, session }
}

for (const transport of ['tcp', 'ws'] as const) {
  describe(`Rust client ↔ our server over ${transport}`, () => {
    let peer: RustPeer
    let session: number
    beforeAll(async () => {
      ;({ peer, session } = await rustClient(transport))
    }, 600_000)
    afterAll(async () => {
      await peer?.stop()
    })

    test('ids from 1 on one counter; biz and ext via send_with_options; echoes come back', async () => {
      const a = await peer.ok({ op: 'send', text: 'first' })
      expect(a.id).toBe(1) // the crate's first id
      await peer.ok({ op: 'send', biz: 7, ext: 'hdr:x', text: 'second' })
      const [p1, p2] = await waitUntil(() => from(session).length >= 2 && from(session), 'two packets')
      expect(p1).toMatchObject({ type: 0, id: 1, biz: 0, flags: 0, compression: 0 })
      expect(p2).toMatchObject({ type: 0, id: 2, biz: 7, flags: 0 })
      expect(new TextDecoder().decode(p2!.ext)).toBe('hdr:x')
      const e = await peer.waitFor((e) => e.ev === 'recv' && e.hex === hex(utf8('second')))
      expect(e).toMatchObject({ biz: 7, ext_hex: hex(utf8('hdr:x')), request: false })
    })

    test('route:<name> with flags 0 from Rust reaches the named route', async () => {
      chat.length = 0
      await peer.ok({ op: 'send', ext: 'route:chat/send', text: JSON.stringify({ text: 'hi from rust' }) })
      await waitUntil(() => chat.length > 0, 'chat route')
      expect(chat[0]).toEqual({ text: 'hi from rust' })
      const p = from(session).find((p) => new TextDecoder().decode(p.ext) === 'route:chat/send')
      expect(p?.flags).toBe(0)
      // Our reply by route name carries ext route:chat/said (and flag 0x4, invisible to the crate).
      const e = await peer.waitFor((e) => e.ev === 'recv' && e.ext_hex === hex(utf8('route:chat/said')))
      expect(JSON.parse(Buffer.from(e.hex, 'hex').toString())).toEqual({ text: 'hi from rust' })
    })

    test('requests: request() and request_with_options() with ids 0 and 0xffffffff answered', async () => {
      const plain = await peer.ok({ op: 'request', text: 'ping' })
      expect(plain.response.hex).toBe(hex(utf8('gnip')))
      for (const id of [0, 0xffffffff]) {
        const done = await peer.ok({ op: 'request', id, biz: 9, ext: 'req:hdr', text: `id ${id}` })
        expect(done.response.hex).toBe(hex(reversed(utf8(`id ${id}`))))
        const p = from(session).find((p) => p.type === 1 && p.id === id)
        expect(p).toMatchObject({ biz: 9, flags: 0 })
      }
    })

    test('our server pushes to the Rust client and its request is answered (biz 0, same id)', async () => {
      const s = app.sessions.get(session)!
      expect(s.send({ biz: 30, ext: 'srv:push' }, utf8('welcome'))).not.toBe('dropped')
      const e = await peer.waitFor((e) => e.ev === 'recv' && e.hex === hex(utf8('welcome')))
      expect(e).toMatchObject({ biz: 30, ext_hex: hex(utf8('srv:push')), request: false })
      const reply = await s.requestPacket({ biz: 31, ext: 'srv:req' }, utf8('status?'))
      expect(reply).toMatchObject({ type: 2, biz: 0, flags: 0, compression: 0 })
      expect(new TextDecoder().decode(reply.payload)).toBe('?sutats')
      const req = await peer.waitFor((e) => e.ev === 'recv' && e.request && e.id === reply.id)
      expect(req).toMatchObject({ biz: 31, ext_hex: hex(utf8('srv:req')) })
    })

    test('1,000 packets in flight: order kept both ways, 1,000 requests answered both ways', async () => {
      const mark = seen.length
      await peer.ok({ op: 'burst', count: 1000, biz: 7 }, SLOW)
      const burst = await waitUntil(() => {
        const got = seen.slice(mark).filter((p) => p.session === session && p.biz === 7)
        return got.length === 1000 && got
      }, 'burst')
      expect(burst.map((p) => new DataView(p.payload.buffer).getUint32(0))).toEqual([...Array(1000).keys()])
      const echoes = await peer.waitCount((e) => e.ev === 'recv' && e.biz === 7 && e.len === 4, 1000, SLOW)
      expect(echoes.map((e) => parseInt(e.hex, 16))).toEqual([...Array(1000).keys()])

      const s = app.sessions.get(session)!
      for (let i = 0; i < 1000; i++) s.send({ biz: 40 }, u32be(i))
      const pushes = await peer.waitCount((e) => e.ev === 'recv' && e.biz === 40, 1000, SLOW)
      expect(pushes.map((e) => parseInt(e.hex, 16))).toEqual([...Array(1000).keys()])

      const done = await peer.ok({ op: 'requests', count: 1000, biz: 9 }, SLOW)
      expect(done).toMatchObject({ ok: 1000, bad: 0, errors: [] })
      const replies = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => s.request({ biz: 41 }, u32be(i), { raw: true })),
      )
      replies.forEach((r, i) => expect(hex(r as Uint8Array)).toBe(hex(reversed(u32be(i)))))
    }, SLOW)

    for (const size of [0, 1024, 64 * 1024, 1024 * 1024]) {
      test(`payload of ${size} bytes both ways`, async () => {
        const body = filler(size)
        const done = await peer.ok({ op: 'request', biz: 9, len: size }, SLOW)
        expect(done.response).toMatchObject({ len: size, fnv: fnv(reversed(body)) })
        await peer.ok({ op: 'send', biz: 7, ext: `size:${size}`, len: size })
        const e = await peer.waitFor((e) => e.ev === 'recv' && e.ext_hex === hex(utf8(`size:${size}`)), SLOW)
        expect(e).toMatchObject({ len: size, fnv: fnv(body) })
        const s = app.sessions.get(session)!
        const reply = await s.request({ biz: 42, ext: `q:${size}` }, body, { raw: true, timeout: SLOW })
        expect(fnv(reply as Uint8Array)).toBe(fnv(reversed(body)))
      }, SLOW)
    }

    test('reconnect: the Rust client keeps its id counter, our server sees a new session', async () => {
      const last = Math.max(...from(session).map((p) => p.id).filter((id) => id < 0xf0000000))
      await peer.ok({ op: 'disconnect' })
      await waitUntil(() => !app.sessions.has(session), 'old session closed')
      const before = new Set(app.sessions.keys())
      await peer.ok({ op: 'connect' })
      const sent = await peer.ok({ op: 'send', text: 'after reconnect' })
      const next = await waitUntil(() => [...app.sessions.keys()].find((id) => !before.has(id)), 'new session')
      expect(next).not.toBe(session)
      expect(sent.id).toBeGreaterThan(last) // not reset to 1
      const p = await waitUntil(() => from(next).find((p) => p.id === sent.id), 'packet after reconnect')
      expect(new TextDecoder().decode(p.payload)).toBe('after reconnect')
      const done = await peer.ok({ op: 'request', text: 'still' })
      expect(done.response.hex).toBe(hex(reversed(utf8('still'))))
      expect(done.id).toBe(sent.id + 1)
      session = next
    })
  })
}

test('a default-build Rust client asked to compress sends plain bytes labelled zlib: only that packet fails', async () => {
  const { peer, session } = await rustClient('tcp')
  try {
    await peer.ok({ op: 'send', biz: 7, compression: 'zlib', text: 'not really zlib' })
    const p = await waitUntil(() => from(session).find((p) => p.compression === 2), 'mislabelled packet')
    expect(new TextDecoder().decode(p.payload)).toBe('not really zlib')
    // We answer with an error notice (ext "error", same id) and keep the connection.
    const notice = await peer.waitFor((e) => e.ev === 'recv' && e.ext_hex === hex(ERROR_EXT) && e.id === p.id)
    expect(JSON.parse(Buffer.from(notice.hex, 'hex').toString()).code).toBe(ErrorCode.decompress)
    const done = await peer.ok({ op: 'request', text: 'alive' })
    expect(done.response.hex).toBe(hex(reversed(utf8('alive'))))
  } finally {
    await peer.stop()
  }
})

for (const transport of ['tcp', 'ws'] as const) {
  describe(`compression from the Rust flate2+zstd client over ${transport}`, () => {
    let peer: RustPeer
    let session: number
    beforeAll(async () => {
      ;({ peer, session } = await rustClient(transport, true))
    }, 600_000)
    afterAll(async () => {
      await peer?.stop()
    })

    for (const [codec, code, biz] of [['zlib', 2, 21], ['zstd', 1, 22]] as const) {
      test(`${codec} (${code}): one-way echoed compressed, request answered compressed`, async () => {
        const text = `hello ${codec} `.repeat(40)
        await peer.ok({ op: 'send', biz: 7, ext: `z:${codec}`, compression: codec, text })
        const p = await waitUntil(() => from(session).find((p) => p.biz === 7 && p.compression === code), 'packet')
        expect(p.payload.length).toBeLessThan(text.length)
        expect(new TextDecoder().decode(p.ext)).toBe(`z:${codec}`)
        // Our echo keeps the codec; the crate hands one-way payloads over still compressed.
        const e = await peer.waitFor((e) => e.ev === 'recv' && e.ext_hex === hex(utf8(`z:${codec}`)))
        expect(e).toMatchObject({ dcodec: code, dhex: hex(utf8(text)) })
        // request_with_options decompresses the response itself.
        const done = await peer.ok({ op: 'request', biz, compression: codec, text })
        expect(done.response.hex).toBe(hex(reversed(utf8(text))))
        const req = from(session).find((p) => p.type === 1 && p.biz === biz && p.compression === code)
        expect(req).toBeDefined()
      })
    }
  })
}
