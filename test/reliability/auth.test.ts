import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from '../../src/index.ts'
import { encodePacket, routeExt } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'
import { firstError, host, rawWs, reliabilityApp, stillServes, type ReliabilityApp } from './helpers.ts'

const enc = new TextEncoder()
const USERS: Record<string, { name: string; admin: boolean }> = {
  'tok-alice': { name: 'alice', admin: true },
  'tok-bob': { name: 'bob', admin: false },
}
type User = { name: string; admin: boolean }

let app: ReliabilityApp
beforeAll(async () => {
  app = await reliabilityApp({
    authTimeout: 200,
    allowedOrigins: ['https://good.example'],
    authenticate: ({ phase, token, url }) => {
      if (phase === 'upgrade') {
        const t = new URL(url!).searchParams.get('token')
        return t === null ? undefined : (USERS[t] ?? false)
      }
      return USERS[(token as { token?: string })?.token ?? ''] ?? null
    },
    authorize: ({ route, auth }) => !route.startsWith('admin/') || (auth as User).admin,
    authorizeTopic: ({ topic, auth }) => topic.startsWith(`user/${(auth as User).name}/`) || topic === 'lobby',
  }).listen()
})
afterAll(() => app.stop())
const healthy = () => stillServes(app, { token: { token: 'tok-bob' } })

describe('authenticate with a deadline', () => {
  test('$auth with a good token, then routes work and session.auth is the identity', async () => {
    const c = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
    expect(await c.request('$auth', { token: 'tok-alice' })).toEqual({ ok: true })
    expect(await c.request('add', { a: 1, b: 1 })).toBe(2)
    expect([...app.sessions.values()].some((s) => (s.auth as User | undefined)?.name === 'alice')).toBe(true)
    await c.close()
  })

  test('a bad token is answered E_UNAUTHORIZED and the connection closed', async () => {
    const c = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
    const err = await c.request('$auth', { token: 'forged' }).catch((e) => e)
    expect(err.code).toBe('E_UNAUTHORIZED')
    const closed = await c.closed()
    expect(closed.code).toBeGreaterThan(0)
    await healthy()
  })

  test('a packet before $auth closes with E_UNAUTHORIZED', async () => {
    const peer = await rawTcp(app.ports.tcp!)
    peer.write(encodePacket({ type: 1, id: 1, ext: routeExt('add'), payload: enc.encode('{"a":1,"b":1}') }))
    await peer.closed
    expect(firstError(peer.packets)?.code).toBe('E_UNAUTHORIZED')
    await healthy()
  })

  test('a connection that never authenticates is closed at the deadline with E_AUTH_TIMEOUT', async () => {
    const t0 = performance.now()
    const peer = await rawTcp(app.ports.tcp!)
    await peer.closed
    expect(performance.now() - t0).toBeLessThan(3_000)
    expect(firstError(peer.packets)?.code).toBe('E_AUTH_TIMEOUT')
    await waitFor(() => app.stats.awaitingAuth === 0, 2_000, 'auth table empty')
    await healthy()
  })

  test('WebSocket: token on the upgrade URL authenticates; a bad one gets 401 before any socket', async () => {
    const good = await connect<any>(`ws://${host}:${app.ports.ws}/?token=tok-bob`)
    expect(await good.request('add', { a: 2, b: 2 })).toBe(4)
    await good.close()
    const res = await fetch(`http://${host}:${app.ports.ws}/?token=nope`, {
      headers: { upgrade: 'websocket', connection: 'upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('E_UNAUTHORIZED')
    await healthy()
  })
})

describe('authorization and Origin', () => {
  test('per-route: a non-admin gets E_FORBIDDEN on admin/*, an admin gets through', async () => {
    const bob = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
    await bob.request('$auth', { token: 'tok-bob' })
    expect((await bob.request('admin/secret').catch((e) => e)).code).toBe('E_FORBIDDEN')
    expect(await bob.request('add', { a: 1, b: 2 })).toBe(3)
    const alice = await connect<any>(`ws://${host}:${app.ports.ws}/?token=tok-alice`)
    expect(await alice.request('admin/secret')).toBe('secret')
    await Promise.all([bob.close(), alice.close()])
  })

  test('per-topic: subscribing to a forbidden topic answers E_FORBIDDEN', async () => {
    const bob = await connect<any>(`tcp://${host}:${app.ports.tcp}`)
    await bob.request('$auth', { token: 'tok-bob' })
    expect(await bob.subscribe('user/bob/inbox')).toBe(true)
    expect(await bob.subscribe('lobby')).toBe(true)
    expect((await bob.subscribe('user/alice/inbox').catch((e) => e)).code).toBe('E_FORBIDDEN')
    expect(app.subscribers('user/alice/inbox')).toBe(0)
    await bob.close()
  })

  test('a disallowed Origin gets 403 on the upgrade; an allowed one connects', async () => {
    const bad = await rawWs(`ws://${host}:${app.ports.ws}/?token=tok-bob`, { headers: { origin: 'https://evil.example' } })
    expect(bad.opened).toBe(false)
    const res = await fetch(`http://${host}:${app.ports.ws}/?token=tok-bob`, {
      headers: {
        origin: 'https://evil.example',
        upgrade: 'websocket',
        connection: 'upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      },
    })
    expect(res.status).toBe(403)
    const ok = await rawWs(`ws://${host}:${app.ports.ws}/?token=tok-bob`, { headers: { origin: 'https://good.example' } })
    expect(ok.opened).toBe(true)
    ok.ws.close()
    await healthy()
  })
})
