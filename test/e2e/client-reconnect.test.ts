import { afterEach, expect, test } from 'bun:test'
import { z } from 'zod'
import { heartbeat, Msgtrans } from '../../src/index.ts'
import { backoffDelay } from '../../src/client/backoff.ts'
import { ReconnectingClient, type ConnectionState } from '../../src/client/reconnect.ts'

const Line = z.object({ room: z.string(), text: z.string() })
const quiet = () => {}

function makeApp(port: number) {
  return new Msgtrans({ ws: { port, hostname: '127.0.0.1' }, log: quiet })
    .use(heartbeat())
    .push('chat/message', { body: Line })
    .message('chat/send', { body: Line }, ({ body, publish }) => void publish(body.room, 'chat/message', body))
    .request('chat/history', { body: z.object({ room: z.string() }) }, ({ body }) => [body.room])
}
type App = ReturnType<typeof makeApp>

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** Listens on `port`, retrying while the previous server still holds it. */
async function listenOn(port: number, deadlineMs = 5_000): Promise<App> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const app = makeApp(port)
    try {
      return await app.listen()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await Bun.sleep(10)
    }
  }
}

function waitState(c: ReconnectingClient<any>, want: ConnectionState, ms = 5_000): Promise<void> {
  if (c.state === want) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state ${c.state}, wanted ${want}`)), ms)
    const off = c.onState((s) => {
      if (s !== want) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await Bun.sleep(5)
  }
}

test('backoff grows, is capped, and is spread by jitter', () => {
  const opts = { initial: 100, max: 1_000 }
  expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000])
  expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts, () => 0))).toEqual([50, 100, 200, 400, 500, 500])
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(3, opts)))
  expect(spread.size).toBeGreaterThan(10)
  for (const d of spread) expect(d >= 200 && d <= 400).toBe(true)
  expect(() => backoffDelay(0)).toThrow(RangeError)
})

test('server restart: reconnects, resubscribes, flushes the offline queue in order', async () => {
  let app = await listenOn(0)
  const port = app.ports.ws!
  cleanup.push(() => app.stop(1_000))
  const c = new ReconnectingClient<App>(`ws://127.0.0.1:${port}`, { backoff: { initial: 20, max: 200 } })
  cleanup.push(() => c.close())
  await c.ready()
  expect(await c.subscribe('lobby')).toBe(true)
  const seen: string[] = []
  c.on('chat/message', (m) => seen.push(m.text))

  c.send('chat/send', { room: 'lobby', text: 'before' })
  await until(() => seen.length === 1)

  const states: ConnectionState[] = []
  c.onState((s) => states.push(s))
  await app.stop(1_000)
  await waitState(c, 'reconnecting')
  expect(c.send('chat/send', { room: 'lobby', text: 'while offline' })).toBe('queued')
  const history = c.request('chat/history', { room: 'queued-request' })
  expect(c.queued).toBe(2)

  app = await listenOn(port)
  await waitState(c, 'open')
  expect(await history).toEqual(['queued-request'])
  await until(() => seen.length === 2)
  expect(seen).toEqual(['before', 'while offline'])
  expect(app.subscribers('lobby')).toBe(1)
  expect(c.connections).toBe(2)
  expect(states.at(-1)).toBe('open')
  expect(states).toContain('reconnecting')
})

test('offline queue is bounded; queued requests keep their timeout', async () => {
  const probe = await listenOn(0)
  const port = probe.ports.ws!
  await probe.stop(1_000) // nothing listens there now
  const c = new ReconnectingClient<App>(`ws://127.0.0.1:${port}`, { offlineQueue: 2, backoff: { initial: 50 } })
  cleanup.push(() => c.close())
  const late = c.request('chat/history', { room: 'x' }, { timeout: 30 })
  expect(c.send('chat/send', { room: 'r', text: '1' })).toBe('queued')
  expect(c.send('chat/send', { room: 'r', text: '2' })).toBe('dropped')
  await expect(c.request('chat/history', { room: 'y' })).rejects.toMatchObject({ code: 'E_OFFLINE_QUEUE_FULL' })
  await expect(late).rejects.toMatchObject({ code: 'E_TIMEOUT' })
  expect(c.queued).toBe(1)
  await c.close()
  expect(c.state).toBe('closed')
  expect(c.send('chat/send', { room: 'r', text: '3' })).toBe('dropped')
  await expect(c.ready()).rejects.toMatchObject({ code: 'E_CLOSED' })
})

test('gives up after maxAttempts', async () => {
  const probe = await listenOn(0)
  const port = probe.ports.ws!
  await probe.stop(1_000)
  const c = new ReconnectingClient(`ws://127.0.0.1:${port}`, { maxAttempts: 2, backoff: { initial: 5 } })
  await waitState(c, 'closed')
})

test('heartbeats keep a live connection; a silent server is dropped and redialed', async () => {
  const app = await listenOn(0)
  cleanup.push(() => app.stop(1_000))
  const c = new ReconnectingClient<App>(`ws://127.0.0.1:${app.ports.ws}`, { heartbeat: { interval: 20, timeout: 200 } })
  cleanup.push(() => c.close())
  let echoes = 0
  c.on(0xfe, () => echoes++)
  await c.ready()
  await until(() => echoes >= 5)
  expect(c.connections).toBe(1)

  // a server that accepts WebSockets and then never says anything
  let upgrades = 0
  const silent = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (req, srv) => (upgrades++, srv.upgrade(req) ? undefined : new Response('no', { status: 400 })),
    websocket: { message() {} },
  })
  cleanup.push(() => silent.stop(true))
  const d = new ReconnectingClient(`ws://127.0.0.1:${silent.port}`, {
    heartbeat: { interval: 20, timeout: 100 },
    backoff: { initial: 10, max: 20 },
  })
  cleanup.push(() => d.close())
  const reasons: string[] = []
  d.onState((s, info) => s === 'reconnecting' && info.reason && reasons.push(info.reason))
  await d.ready()
  await until(() => upgrades >= 2)
  expect(reasons[0]).toBe('heartbeat timeout')
})
