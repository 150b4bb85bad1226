import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Client } from '../../src/index.ts'
import { encodePacket, routeExt } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'
import { firstError, host, rawWs, reliabilityApp, stillServes, type ReliabilityApp } from './helpers.ts'

describe('connection limits', () => {
  let app: ReliabilityApp
  beforeAll(async () => {
    app = await reliabilityApp({ maxConnections: 6, maxConnectionsPerIp: 4 }).listen()
  })
  afterAll(() => app.stop())

  test('past maxConnectionsPerIp a TCP peer gets E_OVERLOADED and 1013; others keep working', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => connect<any>(`tcp://${host}:${app.ports.tcp}`)))
    await waitFor(() => app.sessions.size === 4, 3_000, 'four sessions')
    const extra = await rawTcp(app.ports.tcp!)
    await extra.closed
    const e = firstError(extra.packets)
    expect(e?.code).toBe('E_OVERLOADED')
    expect(e?.message).toContain('maxConnectionsPerIp')
    expect(app.sessions.size).toBe(4)
    const ws = await rawWs(`ws://${host}:${app.ports.ws}`)
    expect(ws.opened).toBe(false) // refused at the upgrade (503) before any socket state
    expect(await held[0]!.request('add', { a: 1, b: 1 })).toBe(2)
    await Promise.all(held.map((c) => c.close()))
    await waitFor(() => app.sessions.size === 0, 3_000, 'sessions released')
    await stillServes(app)
  })
})

describe('per-session bounds', () => {
  let app: ReliabilityApp
  let c: Client<any>
  beforeAll(async () => {
    app = await reliabilityApp({ maxSubscriptionsPerSession: 3, maxInflightRequests: 2, handlerTimeout: 150 }).listen()
    c = await connect<any>(`tcp://${host}:${app.ports.tcp}`, { timeout: 3_000 })
  })
  afterAll(async () => {
    await c.close()
    await app.stop()
  })

  test('subscriptions past maxSubscriptionsPerSession answer E_TOO_MANY_SUBSCRIPTIONS', async () => {
    for (const t of ['a', 'b', 'c']) expect(await c.subscribe(t)).toBe(true)
    expect(await c.subscribe('a')).toBe(false) // already held: not a new subscription
    const err = await c.subscribe('d').catch((e) => e)
    expect(err.code).toBe('E_TOO_MANY_SUBSCRIPTIONS')
    expect(await c.unsubscribe('a')).toBe(true)
    expect(await c.subscribe('d')).toBe(true)
  })

  test('a handler that never resolves is answered E_TIMEOUT and its slot freed', async () => {
    const t0 = performance.now()
    const err = await c.request('hang').catch((e) => e)
    expect(err.code).toBe('E_TIMEOUT')
    expect(err.message).toContain('150 ms')
    expect(performance.now() - t0).toBeLessThan(2_000)
    await waitFor(() => app.stats.inflight === 0, 2_000, 'slot freed')
    expect(await c.request('add', { a: 1, b: 2 })).toBe(3)
  })

  test('past maxInflightRequests a request is answered E_OVERLOADED, not queued', async () => {
    const a = c.request('hang').catch((e) => e)
    const b = c.request('hang').catch((e) => e)
    const third = await c.request('hang').catch((e) => e)
    expect(third.code).toBe('E_OVERLOADED')
    expect((await a).code).toBe('E_TIMEOUT')
    expect((await b).code).toBe('E_TIMEOUT')
    expect(await c.request('add', { a: 2, b: 2 })).toBe(4)
  })

  test('a handler that throws answers E_HANDLER; wrong JSON types answer an error, connection kept', async () => {
    expect((await c.request('boom').catch((e) => e)).code).toBe('E_HANDLER')
    const peer = await rawTcp(app.ports.tcp!)
    const enc = new TextEncoder()
    peer.write(encodePacket({ type: 1, id: 3, ext: routeExt('add'), payload: enc.encode('"not an object"') }))
    peer.write(encodePacket({ type: 1, id: 4, ext: routeExt('add'), payload: enc.encode('[1,{"a":null}]') }))
    await waitFor(() => peer.packets.length === 2, 3_000, 'two answers')
    expect(peer.packets.map((p) => p.id)).toEqual([3, 4])
    expect(peer.packets.map((p) => firstError([p])?.code)).toEqual(['E_VALIDATION', 'E_VALIDATION'])
    expect(peer.isClosed()).toBe(false)
    peer.socket.end()
    await stillServes(app)
  })
})
