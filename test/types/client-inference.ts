// Type-level test: checked by `tsc -p test/types` (see types.test.ts), never run.
// Every @ts-expect-error line must be an error, every other line must compile.
import { z } from 'zod'
import { Msgtrans } from '../../src/index.ts'
import { connect, type Client } from '../../src/client/index.ts'
import { connectBrowser, ReconnectingClient } from '../../src/client/browser.ts'

const Message = z.object({ room: z.string(), text: z.string().max(2000), at: z.number() })

const app = new Msgtrans({ ws: { port: 0 } })
  .push('chat/message', { biz: 20, body: Message })
  .message('chat/send', { biz: 10, body: z.object({ room: z.string(), text: z.string() }) }, () => {})
  .request('chat/history', { body: z.object({ room: z.string(), limit: z.number().default(50) }) }, () => [
    { room: 'lobby', text: 'hi', at: 1 },
  ])
  .request('time', () => ({ now: Date.now() }))
  .request('echo', { body: z.string(), response: z.object({ echoed: z.string() }) }, ({ body }) => ({
    echoed: body,
  }))
  .message('ping', () => {})
  .group('admin/', (g) => g.request('kick', { body: z.object({ id: z.number() }) }, () => true))

type App = typeof app
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function expectType<T extends true>(_?: T): void {}

async function typed(c: Client<App>) {
  // bodies and responses are inferred from the zod schemas and handlers
  c.send('chat/send', { room: 'lobby', text: 'hello' })
  const history = await c.request('chat/history', { room: 'lobby' }) // limit has a default
  expectType<Equal<typeof history, { room: string; text: string; at: number }[]>>()
  const t = await c.request('time')
  expectType<Equal<typeof t, { now: number }>>()
  const e = await c.request('echo', 'x')
  expectType<Equal<typeof e, { echoed: string }>>()
  const ok = await c.request('admin/kick', { id: 7 })
  expectType<Equal<typeof ok, boolean>>()
  c.send('ping')
  c.send({ biz: 10 }, { room: 'lobby', text: 'raw' }) // raw targets stay possible
  c.on('chat/message', (m) => {
    expectType<Equal<typeof m, { room: string; text: string; at: number }>>()
  })
  c.on(20, () => {})

  // @ts-expect-error unknown route
  c.send('chat/sned', { room: 'lobby', text: 'x' })
  // @ts-expect-error wrong body: text must be a string
  c.send('chat/send', { room: 'lobby', text: 42 })
  // @ts-expect-error missing required body
  c.send('chat/send')
  // @ts-expect-error a request route is not a one-way route
  c.send('chat/history', { room: 'lobby' })
  // @ts-expect-error unknown request route
  await c.request('chat/histroy', { room: 'lobby' })
  // @ts-expect-error wrong body: room is missing
  await c.request('chat/history', { limit: 5 })
  // @ts-expect-error echo takes a string
  await c.request('echo', { text: 'x' })
  // @ts-expect-error group prefix is part of the name
  await c.request('kick', { id: 1 })
  // @ts-expect-error raw object targets of a typed client cannot smuggle a route name
  c.send({ route: 'nope' }, {})
  // @ts-expect-error responses are typed: no such property
  ;(await c.request('time')).later
  c.on('chat/message', (m) => {
    // @ts-expect-error pushes are typed: no such property
    m.user
  })
}

async function entryPoints(url: string) {
  const c = await connect<App>(url)
  // @ts-expect-error connect<typeof app> types every route
  c.send('nope')
  const b = await connectBrowser<App>(url)
  // @ts-expect-error the browser client is typed the same way
  await b.request('chat/history', { room: 1 })
  const r = new ReconnectingClient<App>(url)
  const h = await r.request('chat/history', { room: 'lobby' })
  expectType<Equal<typeof h, { room: string; text: string; at: number }[]>>()
  // @ts-expect-error the reconnecting client is typed the same way
  r.send('chat/send', { room: 'lobby' })
  r.on('chat/message', (m) => void m.text)
}

async function untyped(c: Client) {
  // without an app type everything is allowed and unknown
  c.send('anything', { any: 1 })
  const x = await c.request('whatever')
  expectType<Equal<typeof x, unknown>>()
}

void typed, entryPoints, untyped
