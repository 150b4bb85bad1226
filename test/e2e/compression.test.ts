import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { connect, Msgtrans } from '../../src/index.ts'
import { nextEvent } from '../helpers/wait.ts'

const host = '127.0.0.1'
const text = 'compress me '.repeat(500)
const makeApp = () =>
  new Msgtrans({ tcp: { port: 0, hostname: host }, ws: { port: 0, hostname: host }, log: () => {} })
    .request('len', { body: z.object({ text: z.string() }) }, ({ body }) => body.text.length)
    .request('zipped', { compression: 'zlib' }, () => ({ text }))
    .request('zstd', { compression: 'zstd' }, () => ({ text }))
    .request('push-zstd', ({ session }) => session.send('blob', { text }, { compression: 'zstd' }))
let app: ReturnType<typeof makeApp>
beforeAll(async () => {
  app = await makeApp().listen()
})
afterAll(() => app.stop())

for (const scheme of ['tcp', 'ws'] as const) {
  describe(`compressed payloads over ${scheme}`, () => {
    const url = () => `${scheme}://${host}:${scheme === 'tcp' ? app.ports.tcp : app.ports.ws}`
    test('client sends zlib and zstd requests; server decodes them', async () => {
      const c = await connect<typeof app>(url())
      expect(await c.request('len', { text }, { compression: 'zlib' })).toBe(text.length)
      expect(await c.request('len', { text }, { compression: 'zstd' })).toBe(text.length)
      await c.close()
    })
    test('routes answer compressed when configured; pushes can be compressed', async () => {
      const c = await connect<typeof app>(url())
      const raw = await c.requestPacket('zipped')
      expect(raw.compression).toBe(2)
      expect(raw.payload.length).toBeLessThan(text.length / 10)
      expect(await c.request('zipped')).toEqual({ text })
      expect((await c.requestPacket('zstd')).compression).toBe(1)
      expect(await c.request('zstd')).toEqual({ text })
      const pushed = nextEvent<unknown>((fn) => c.on('blob', fn))
      await c.request('push-zstd')
      expect(await pushed).toEqual({ text })
      await c.close()
    })
  })
}

test('a compressed response to a server request is decompressed (session.request)', async () => {
  const { rawTcp } = await import('../helpers/raw-tcp.ts')
  const { encodePacket } = await import('../../src/protocol/index.ts')
  const { waitFor } = await import('../helpers/wait.ts')
  const zlib = await import('node:zlib')
  const peer = await rawTcp(app.ports.tcp!)
  await waitFor(() => app.sessions.size > 0)
  const session = [...app.sessions.values()].find((s) => s.transport === 'tcp')!
  const answer = session.request('status', { q: 1 })
  await waitFor(() => peer.packets.some((p) => p.type === 1))
  const req = peer.packets.find((p) => p.type === 1)!
  peer.write(encodePacket({ type: 2, id: req.id, compression: 2, payload: zlib.deflateSync(JSON.stringify({ ok: text })) }))
  expect(await answer).toEqual({ ok: text })
  peer.socket.end()
})
