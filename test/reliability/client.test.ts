import { expect, test } from 'bun:test'
import { connect, Msgtrans } from '../../src/index.ts'
import { ReconnectingClient } from '../../src/client/reconnect.ts'
import { waitFor } from '../helpers/wait.ts'
import { host, reliabilityApp } from './helpers.ts'

test('client: requests past maxPending are refused E_TOO_MANY_PENDING, not buffered', async () => {
  const app = await reliabilityApp().listen()
  const c = await connect<any>(`tcp://${host}:${app.ports.tcp}`, { maxPending: 2, timeout: 5_000 })
  const held = [c.request('gated'), c.request('gated')]
  expect((await c.request('add', { a: 1, b: 1 }).catch((e) => e)).code).toBe('E_TOO_MANY_PENDING')
  await waitFor(() => app.stats.inflight === 2, 2_000, 'both in flight')
  app.release()
  expect(await Promise.all(held)).toEqual(['released', 'released'])
  await c.close()
  await app.stop()
})

test('reconnect storm: after a drain, clients come back spread by jittered backoff, not at once', async () => {
  const make = (port: number) =>
    new Msgtrans({ ws: { port, hostname: host }, log: () => {} }).request('ping', () => 'pong')
  const first = await make(0).listen()
  const port = first.ports.ws!
  const N = 20
  const delays: number[] = []
  let seed = 1
  const clients = Array.from(
    { length: N },
    () =>
      new ReconnectingClient<any>(`ws://${host}:${port}`, {
        backoff: { initial: 200, max: 800 },
        random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647),
      }),
  )
  for (const c of clients) c.onState((s, info) => void (s === 'reconnecting' && info.delay !== undefined && delays.push(info.delay)))
  await Promise.all(clients.map((c) => c.ready()))
  await first.drain(1_000)
  await waitFor(() => delays.length >= N, 3_000, 'every client backing off')
  const firstRound = delays.slice(0, N)
  expect(Math.min(...firstRound)).toBeGreaterThanOrEqual(100) // equal jitter: half fixed...
  expect(Math.max(...firstRound)).toBeLessThanOrEqual(200) // ...half random
  expect(new Set(firstRound).size).toBeGreaterThan(N / 2) // spread, not one instant
  let second: Awaited<ReturnType<ReturnType<typeof make>['listen']>> | undefined
  await waitFor(async () => (second = await make(port).listen().catch(() => undefined)), 3_000, 'port reusable')
  await waitFor(() => clients.every((c) => c.state === 'open'), 10_000, 'all back')
  expect(await clients[0]!.request('ping')).toBe('pong')
  for (const c of clients) c.close()
  await second!.stop()
})
