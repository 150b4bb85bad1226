import { expect, test } from 'bun:test'
import { connect } from '../../src/index.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'
import { host, reliabilityApp } from './helpers.ts'

test('drain: stop accepting, tell clients, finish in-flight requests, then close each session', async () => {
  const app = await reliabilityApp().listen()
  const { tcp, ws } = app.ports
  const busy = await connect<any>(`tcp://${host}:${tcp}`)
  const idle = await connect<any>(`ws://${host}:${ws}`)
  const notices = [busy, idle].map((c) => nextEvent<{ code: string; details?: any }>((fn) => c.onError(fn)))
  const inFlight = busy.request('gated')
  await waitFor(() => app.stats.inflight === 1, 2_000, 'request in flight')

  const draining = app.drain(5_000)
  for (const n of await Promise.all(notices)) {
    expect(n.code).toBe('E_DRAINING')
    expect(n.details.deadlineMs).toBe(5_000)
  }
  const idleClosed = await idle.closed()
  expect(idleClosed.code).toBe(1001)
  expect(idleClosed.reason).toContain('E_SHUTDOWN')
  const refused = await connect(`tcp://${host}:${tcp}`, { connectTimeout: 50 }).then(
    (c) => (c.close(), 'accepted'),
    () => 'refused',
  )
  expect(refused).toBe('refused')
  expect(busy.isClosed).toBe(false) // still finishing its request

  app.release()
  expect(await inFlight).toBe('released') // the in-flight request was answered, not cut
  expect((await busy.closed()).code).toBe(1000) // TCP carries no close code: a clean end
  const result = (await draining)!
  expect(result).toMatchObject({ sessions: 2, closedIdle: 2, forced: 0 })
  expect(result.ms).toBeLessThan(5_000)
})

test('drain: work still running at the deadline is cut and its client rejected with E_CLOSED', async () => {
  const app = await reliabilityApp({ handlerTimeout: 0 }).listen()
  const c = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
  const stuck = c.request('hang', undefined, { timeout: 10_000 }).catch((e) => e.code)
  await waitFor(() => app.stats.inflight === 1, 2_000, 'request in flight')
  const t0 = performance.now()
  const result = (await app.drain(200))!
  expect(performance.now() - t0).toBeLessThan(2_000)
  expect(result).toMatchObject({ sessions: 1, closedIdle: 0, forced: 1 })
  expect(await stuck).toBe('E_CLOSED')
})
