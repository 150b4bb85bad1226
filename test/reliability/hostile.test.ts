import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import { connect, heartbeat, Msgtrans, type Client } from '../../src/index.ts'
import { ReconnectingClient } from '../../src/client/reconnect.ts'
import { TcpFramer, type Packet } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'
import { firstError, host, reliabilityApp, stillServes } from './helpers.ts'

const SIZE = 128 * 1024
const ROUNDS = 120 // 15 MiB per subscriber: more than loopback kernel buffers hold

/** A TCP peer that reads nothing after connecting (node:net, paused). */
async function stalledTcp(port: number, preface?: Uint8Array): Promise<net.Socket> {
  const sock = net.connect(port, host)
  await new Promise<void>((r) => sock.once('connect', () => r()))
  if (preface) {
    sock.write(preface)
    await new Promise<void>((r) => sock.once('data', () => r())) // e.g. the 101 response
  }
  sock.pause()
  return sock
}

describe('slow consumers', () => {
  const closes: Array<{ transport: string; reason: string }> = []
  const app = new Msgtrans({ tcp: { port: 0, hostname: host }, ws: { port: 0, hostname: host }, maxQueuedBytes: 1 << 20, log: () => {} })
    .onClose(({ session, reason }) => void closes.push({ transport: session.transport, reason }))
    .request('join', ({ session }) => session.subscribe('feed'))
  beforeAll(() => app.listen())
  afterAll(() => app.stop())

  test('a never-reading subscriber (TCP and WS) is cut with E_SLOW_CONSUMER; the fan-out to others is complete and in order', async () => {
    const healthy = await Promise.all([
      connect<any>(`tcp://${host}:${app.ports.tcp}`),
      connect<any>(`ws://${host}:${app.ports.ws}`),
    ])
    const got: number[][] = healthy.map(() => [])
    healthy.forEach((c, i) => c.on({ biz: 9 } as never, () => {}))
    healthy.forEach((c, i) => c.on(9, (_b: unknown, p: Packet) => void got[i]!.push(new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0))))
    for (const c of healthy) await c.request('join')
    const join = new Uint8Array([1, 0, 1, 0, 0, 0, 0, 1, 0, 10, 0, 0, 0, 0, 0, 4, ...new TextEncoder().encode('route:join')])
    const slowTcp = await stalledTcp(app.ports.tcp!)
    slowTcp.write(join)
    const key = 'dGhlIHNhbXBsZSBub25jZQ=='
    const upgrade = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
    const slowWs = await stalledTcp(app.ports.ws!, new TextEncoder().encode(upgrade))
    slowWs.resume()
    slowWs.write(maskedFrame(join))
    await waitFor(() => app.subscribers('feed') === 4, 3_000, 'four subscribers')
    slowWs.pause()
    let dropped = 0
    for (let r = 0; r < ROUNDS; r++) {
      const payload = new Uint8Array(SIZE)
      new DataView(payload.buffer).setUint32(0, r)
      dropped += app.publish('feed', { biz: 9 }, payload).dropped
      await waitFor(() => got.every((g) => g.length === r + 1), 5_000, `round ${r}`)
    }
    expect(dropped).toBeGreaterThanOrEqual(2)
    await waitFor(() => closes.filter((c) => c.reason.includes('E_SLOW_CONSUMER')).length === 2, 3_000, 'both cut')
    expect(new Set(closes.map((c) => c.transport))).toEqual(new Set(['tcp', 'ws']))
    for (const g of got) expect(g).toEqual([...Array(ROUNDS).keys()])
    slowTcp.destroy()
    slowWs.destroy()
    await Promise.all(healthy.map((c) => c.close()))
  }, 30_000)
})

describe('idle peers and heartbeats', () => {
  const app = reliabilityApp({ idleTimeout: 300 })
  app.use(heartbeat()) // answers ReconnectingClient heartbeats (biz 0xFE)
  beforeAll(() => app.listen())
  afterAll(() => app.stop())

  test('a silent (half-open) peer is closed with E_IDLE; a heartbeating client stays', async () => {
    const hb = new ReconnectingClient<any>(`tcp://${host}:${app.ports.tcp}`, {
      connect: (url, o) => connect(url, o),
      heartbeat: { interval: 60, timeout: 1_000 },
    })
    await hb.ready()
    const t0 = performance.now()
    const silent = await rawTcp(app.ports.tcp!)
    await silent.closed
    const quietFor = performance.now() - t0
    expect(quietFor).toBeGreaterThanOrEqual(290)
    expect(quietFor).toBeLessThan(3_000)
    expect(firstError(silent.packets)?.code).toBe('E_IDLE')
    await waitFor(() => performance.now() - t0 > 900, 2_000, 'three idle periods')
    expect(hb.connections).toBe(1)
    expect(hb.state).toBe('open')
    expect(await hb.request('add', { a: 1, b: 1 })).toBe(2)
    hb.close()
    await stillServes(app)
  })

  test('a client with heartbeats drops a server that went silent, and its pending requests are rejected', async () => {
    const mute = Bun.listen({ hostname: host, port: 0, socket: { data() {} } })
    const states: string[] = []
    const c = new ReconnectingClient<any>(`tcp://${host}:${mute.port}`, {
      connect: (url, o) => connect(url, o),
      heartbeat: { interval: 40, timeout: 200 },
      maxAttempts: 1,
    })
    c.onState((s, info) => states.push(`${s}:${info.reason ?? ''}`))
    await c.ready()
    const pending = c.request('add', { a: 1, b: 1 }, { timeout: 5_000 }).catch((e) => e.code)
    await waitFor(() => states.some((s) => s.includes('heartbeat timeout')), 3_000, 'heartbeat timeout')
    expect(await pending).toBe('E_CLOSED')
    c.close()
    mute.stop(true)
  })
})

describe('slowloris on the WebSocket upgrade', () => {
  const app = reliabilityApp({ upgradeTimeout: 1_000 })
  beforeAll(() => app.listen())
  afterAll(() => app.stop())

  // Bun (uWebSockets) bounds the whole request-header phase at ~10 s, however slowly
  // the bytes trickle in; nothing of ours runs before the headers are complete.
  test('an upgrade whose headers trickle in forever is dropped (~10 s); others are served meanwhile', async () => {
    const peer = await rawTcp(app.ports.ws!)
    const line = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nX-Pad: aaaaaaaaaaaaaaaa')
    const t0 = performance.now()
    let sent = 0
    while (!peer.isClosed() && performance.now() - t0 < 16_000) {
      peer.write(line.subarray(sent % line.length, (sent % line.length) + 1))
      sent++
      if (sent % 8 === 0) await stillServes(app)
      await waitFor(() => peer.isClosed() || performance.now() - t0 > sent * 250, 1_000, 'trickle step')
    }
    expect(peer.isClosed()).toBe(true)
    expect(performance.now() - t0).toBeLessThan(16_000)
    await stillServes(app)
  }, 20_000)
})

/** A client→server WebSocket binary frame (masked, as clients must send). */
function maskedFrame(payload: Uint8Array): Uint8Array {
  const mask = [1, 2, 3, 4]
  const head = payload.length < 126 ? [0x82, 0x80 | payload.length] : [0x82, 0x80 | 126, payload.length >> 8, payload.length & 0xff]
  const out = new Uint8Array(head.length + 4 + payload.length)
  out.set(head, 0)
  out.set(mask, head.length)
  for (let i = 0; i < payload.length; i++) out[head.length + 4 + i] = payload[i]! ^ mask[i % 4]!
  return out
}
