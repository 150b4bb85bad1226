import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect, Msgtrans } from '../../src/index.ts'
import { waitFor } from '../helpers/wait.ts'

// WebSocket sends are encoded into one shared scratch buffer; every frame must still
// carry its own bytes, also when the socket buffers them (backpressure).
const host = '127.0.0.1'
const app = new Msgtrans({ ws: { port: 0, hostname: host }, log: () => {} }).request(
  'burst',
  ({ session }) => {
    const results: string[] = []
    for (let i = 0; i < 300; i++) results.push(session.send({ biz: 9 }, new Uint8Array(i < 200 ? 40 : 60_000).fill(i & 0xff)))
    return results
  },
)
beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

test('frames encoded in the shared scratch buffer arrive intact and in order', async () => {
  const c = await connect(`ws://${host}:${app.ports.ws}`)
  const got: Uint8Array[] = []
  c.on(9, (_b, p) => got.push(new Uint8Array(p.payload)))
  const results = (await c.request('burst')) as string[]
  await waitFor(() => got.length === 300, 10_000, '300 frames')
  got.forEach((p, i) => {
    expect(p.length).toBe(i < 200 ? 40 : 60_000)
    expect(p.every((b) => b === (i & 0xff))).toBe(true)
  })
  expect(results).not.toContain('dropped')
  await c.close()
})
