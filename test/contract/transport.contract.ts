import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { connect, Msgtrans, type Client, type MsgtransConfig } from '../../src/index.ts'
import { decodeErrorBody, isErrorExt, type Packet } from '../../src/protocol/index.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'

/** How a contract run reaches one transport of a running app. */
export interface TransportUnderTest {
  name: string
  /** Server config enabling this transport on port 0. */
  config: MsgtransConfig
  /** Client URL for a listening app. */
  url(app: ContractApp): string
  /**
   * Opens a raw connection, sends bytes that are not valid v1 for this transport and
   * resolves, once the server has closed that connection, with the packets it sent.
   */
  sendGarbage?(app: ContractApp): Promise<Packet[]>
}

const Send = z.object({ room: z.string(), text: z.string().max(20) })

export function contractApp(config: MsgtransConfig) {
  return new Msgtrans({ ...config, log: () => {} })
    .decorate('answer', 42)
    .derive(({ session }) => ({ who: `s${session.id}` }))
    .push('news', { biz: 40 })
    .message('chat/send', { body: Send }, ({ body, publish }) => {
      publish(body.room, 'chat/message', body)
    })
    .request('math/add', { biz: 7, body: z.object({ a: z.number(), b: z.number() }) }, ({ body }) => ({
      sum: body.a + body.b,
    }))
    .request('ctx', ({ answer, who }) => ({ answer, who }))
    .request('boom', () => {
      throw new Error('kaboom')
    })
    .request('slow', async () => {
      await Bun.sleep(1)
      return 'late'
    })
    .request('raw/echo', { codec: 'raw' }, ({ body }) => body)
    .request('push-me', ({ session }) => session.send('news', { hello: session.id }))
    .group('admin/', (g) => g.request('ping', () => 'pong'))
}
export type ContractApp = ReturnType<typeof contractApp>

/**
 * One suite every transport passes: one-way, request/response, push, publish to
 * several subscribers, schema errors, handler exceptions, bad routes.
 */
export function runTransportContract(t: TransportUnderTest): void {
  describe(`transport contract: ${t.name}`, () => {
    let app: ContractApp
    const clients: Client<ContractApp>[] = []
    const open = async () => {
      const c = await connect<ContractApp>(t.url(app), { timeout: 3_000, insecure: true } as never)
      clients.push(c)
      return c
    }
    beforeAll(async () => {
      app = await contractApp(t.config).listen()
    })
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()))
      await app.stop()
    })

    test('request/response by route name and by biz_type', async () => {
      const c = await open()
      expect(await c.request('math/add', { a: 2, b: 3 })).toEqual({ sum: 5 })
      expect(await c.request({ biz: 7 }, { a: 1, b: 1 })).toEqual({ sum: 2 })
      expect(await c.request('admin/ping')).toBe('pong')
      expect(await c.request('slow')).toBe('late')
    })

    test('decorate and derive reach the handler context', async () => {
      const c = await open()
      const r = await c.request('ctx')
      expect(r.answer).toBe(42)
      expect(r.who).toMatch(/^s\d+$/)
    })

    test('raw route echoes bytes unchanged', async () => {
      const c = await open()
      const bytes = crypto.getRandomValues(new Uint8Array(3000))
      const back = await c.request('raw/echo', bytes, { raw: true })
      expect(new Uint8Array(back as Uint8Array)).toEqual(bytes)
    })

    test('server push to one session', async () => {
      const c = await open()
      const got = nextEvent<unknown>((fn) => c.on('news', fn))
      expect(await c.request('push-me')).toBe('sent')
      expect(await got).toEqual({ hello: expect.any(Number) })
    })

    test('one-way publish reaches every subscriber of the topic', async () => {
      const subs = await Promise.all([open(), open(), open()])
      for (const s of subs) expect(await s.subscribe('room-1')).toBe(true)
      const outsider = await open()
      let leaked = 0
      outsider.on('chat/message', () => leaked++)
      const all = subs.map((s) => nextEvent<unknown>((fn) => s.on('chat/message', fn)))
      subs[0]!.send('chat/send', { room: 'room-1', text: 'hi all' })
      for (const m of await Promise.all(all)) expect(m).toEqual({ room: 'room-1', text: 'hi all' })
      expect(await outsider.request('admin/ping')).toBe('pong')
      expect(leaked).toBe(0)
      await waitFor(() => app.subscribers('room-1') === 3)
    })

    test('schema failure answers with E_VALIDATION and the connection keeps working', async () => {
      const c = await open()
      const err = await c.request('math/add', { a: 'x' } as never).catch((e) => e)
      expect(err.code).toBe('E_VALIDATION')
      expect(err.message).toContain('a')
      const notice = nextEvent<{ code: string }>((fn) => c.onError(fn))
      c.send('chat/send', { room: 'r', text: 'x'.repeat(50) })
      expect((await notice).code).toBe('E_VALIDATION')
      expect(await c.request('math/add', { a: 1, b: 2 })).toEqual({ sum: 3 })
    })

    test('handler exception answers with E_HANDLER; unknown route with E_NOT_FOUND', async () => {
      const c = await open()
      const err = await c.request('boom').catch((e) => e)
      expect(err.code).toBe('E_HANDLER')
      expect(err.message).toBe('kaboom')
      const missing = await c.request('nope' as never).catch((e) => e)
      expect(missing.code).toBe('E_NOT_FOUND')
      expect(await c.request('admin/ping')).toBe('pong')
    })

    test.if(t.sendGarbage !== undefined)('bad input closes only that connection, with a notice', async () => {
      const c = await open()
      const packets = await t.sendGarbage!(app)
      const notice = packets.find((p) => isErrorExt(p.ext))
      expect(notice && decodeErrorBody(notice.payload).code).toBe('E_PROTOCOL')
      expect(await c.request('admin/ping')).toBe('pong')
    })

    test('close rejects pending requests and removes the session', async () => {
      const c = await open()
      await c.request('admin/ping')
      const before = app.sessions.size
      await c.close()
      await waitFor(() => app.sessions.size === before - 1, 3_000, 'session removal')
      const err = await c.request('admin/ping').catch((e) => e)
      expect(err.code).toBe('E_CLOSED')
    })
  })
}
