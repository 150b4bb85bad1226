import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from '../../src/index.ts'
import { RateLimiter } from '../../src/app/rate-limit.ts'
import { ConnectionLimiter } from '../../src/app/admission.ts'
import { encodePacket, routeExt, TokenBucket } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'
import { firstError, host, reliabilityApp, stillServes, type ReliabilityApp } from './helpers.ts'

describe('token bucket (fake clock)', () => {
  test('burst, then refill at the rate, never above burst', () => {
    let now = 0
    const b = new TokenBucket({ rate: 10, burst: 3 }, () => now)
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false])
    now += 100 // 1 token
    expect([b.take(), b.take()]).toEqual([true, false])
    now += 10_000
    expect(b.tokens).toBe(3)
    expect(() => new TokenBucket({ rate: 0, burst: 1 })).toThrow(RangeError)
  })

  test('per-route buckets are separate from the session bucket; violations in a row close', () => {
    let now = 0
    const r = new RateLimiter({ session: { rate: 1, burst: 4 }, routes: { hot: { rate: 1, burst: 1 } }, maxViolations: 3 }, () => now)
    const s = {}
    expect(r.check(s, 'hot')).toBe('ok')
    expect(r.check(s, 'hot')).toBe('limited')
    // the route bucket is empty, the session one is not (the limited 'hot' spent one of 4)
    expect([r.check(s, 'cold'), r.check(s, 'cold')]).toEqual(['ok', 'ok'])
    expect([r.check(s, 'cold'), r.check(s, 'cold'), r.check(s, 'cold')]).toEqual(['limited', 'limited', 'close'])
    now += 2_000
    expect(r.check(s, 'cold')).toBe('ok')
    r.forget(s)
    expect(r.size).toBe(0)
  })

  test('connection limiter counts per IP and globally', () => {
    const l = new ConnectionLimiter(3, 2)
    expect([l.admit('a'), l.admit('a')]).toEqual([undefined, undefined])
    expect(l.admit('a')).toContain('maxConnectionsPerIp')
    expect(l.admit('b')).toBeUndefined()
    expect(l.admit('c')).toContain('maxConnections')
    l.release('a')
    expect(l.admit('c')).toBeUndefined()
    expect(() => (l.release('zz'), 0)).toThrow()
  })
})

describe('rate limits on a live server', () => {
  let app: ReliabilityApp
  beforeAll(async () => {
    app = await reliabilityApp({
      rateLimit: { session: { rate: 50, burst: 20 }, routes: { echo: { rate: 5, burst: 2 } }, maxViolations: 50 },
    }).listen()
  })
  afterAll(() => app.stop())

  test('a route past its bucket answers E_RATE_LIMITED; other routes still pass', async () => {
    const c = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
    const results = await Promise.all([1, 2, 3].map((i) => c.request('echo', i).catch((e) => e.code)))
    expect(results).toEqual([1, 2, 'E_RATE_LIMITED'])
    expect(await c.request('add', { a: 1, b: 1 })).toBe(2)
    await c.close()
  })

  test('a tiny-packet flood is limited, then closed; a healthy client is not affected', async () => {
    const peer = await rawTcp(app.ports.tcp!)
    const one = encodePacket({ ext: routeExt('note'), id: 1 })
    const flood = new Uint8Array(one.length * 5_000)
    for (let i = 0; i < 5_000; i++) flood.set(one, i * one.length)
    peer.write(flood)
    await peer.closed
    const codes = new Set(peer.packets.map((p) => firstError([p])?.code))
    expect([...codes]).toEqual(['E_RATE_LIMITED'])
    expect(peer.packets.length).toBeLessThanOrEqual(60) // bounded: answers stop at the close
    await waitFor(() => app.stats.rateBuckets === 0, 2_000, 'buckets forgotten')
    await stillServes(app)
  })
})
