import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Client } from '../../src/index.ts'
import type { ErrorBody } from '../../src/protocol/index.ts'
import { WindowAggregator, type WindowSummary } from '../../examples/iot-telemetry/aggregate.ts'
import { createIotApp, type IotApp } from '../../examples/iot-telemetry/app.ts'
import { authenticate, Device } from '../../examples/iot-telemetry/device.ts'
import { DeviceTokens } from '../../examples/iot-telemetry/tokens.ts'
import { decodeBatch, encodeBatch, type Reading } from '../../examples/iot-telemetry/wire.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'

const secret = 'test-secret-456'
const tokens = new DeviceTokens(secret)

describe('iot-telemetry units', () => {
  test('batches round-trip and reject malformed bytes', () => {
    const readings: Reading[] = [
      { metric: 0, at: 1_700_000_000_000, value: 21.5 },
      { metric: 3, at: 1_700_000_000_040, value: -71 },
    ]
    const bytes = encodeBatch(readings)
    expect(bytes.length).toBe(12 + 2 * 7)
    expect(decodeBatch(bytes)).toEqual(readings)
    expect(() => decodeBatch(bytes.subarray(0, 20))).toThrow()
    const bad = bytes.slice()
    bad[12] = 200
    expect(() => decodeBatch(bad)).toThrow(/unknown metric/)
  })

  test('window aggregation: count/min/max/mean per metric, devices, then reset', () => {
    const agg = new WindowAggregator(1000)
    agg.add('a', [{ metric: 0, at: 0, value: 10 }, { metric: 0, at: 1, value: 30 }])
    agg.add('b', [{ metric: 1, at: 0, value: 5 }])
    const w = agg.close()
    expect(w).toMatchObject({ devices: 2, readings: 3, batches: 2 })
    expect(w.metrics.temperature).toEqual({ count: 2, min: 10, max: 30, mean: 20 })
    expect(w.metrics.humidity?.count).toBe(1)
    expect(agg.close().readings).toBe(0)
  })

  test('tokens are per device and compared in constant time', () => {
    expect(tokens.verify('d1', tokens.issue('d1'))).toBe(true)
    expect(tokens.verify('d2', tokens.issue('d1'))).toBe(false)
    expect(tokens.verify('d1', 'short')).toBe(false)
  })
})

describe('iot-telemetry over real sockets', () => {
  const app = createIotApp(
    { tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' } },
    { secret, windowMs: 50, authTimeoutMs: 300 },
  )
  let tcp = ''
  let dashboard: Client<IotApp>
  const windows: WindowSummary[] = []
  const counted = () => windows.reduce((s, w) => s + w.readings, 0)

  beforeAll(async () => {
    await app.listen()
    tcp = `tcp://127.0.0.1:${app.ports.tcp}`
    dashboard = await connect<IotApp>(`ws://127.0.0.1:${app.ports.ws}`)
    dashboard.on('dashboard/window', (w) => windows.push(w as WindowSummary))
    await authenticate(dashboard, { dashboard: 'ops', token: tokens.issue('dashboard:ops') })
    expect((await dashboard.request('dashboard/watch')).windowMs).toBe(50)
  })
  afterAll(async () => {
    await dashboard?.close()
    await app.stop()
  })

  test('a fleet of devices sends batched readings; the dashboard windows add up to all of them', async () => {
    const fleet = await Promise.all(
      Array.from({ length: 20 }, (_, i) => Device.connect(tcp, `s-${i}`, tokens.issue(`s-${i}`), { flushMs: 20, maxReadings: 64 })),
    )
    const at = Date.now()
    for (let k = 0; k < 100; k++) {
      for (const [i, d] of fleet.entries()) d.record({ metric: k % 4, at: at + k, value: i + k })
    }
    await Promise.all(fleet.map((d) => d.close()))
    const sent = fleet.reduce((s, d) => s + d.readings, 0)
    const packets = fleet.reduce((s, d) => s + d.packets, 0)
    expect(sent).toBe(2000)
    expect(packets).toBeLessThan(sent / 10)
    await waitFor(() => counted() === sent, 10_000, `dashboard to count ${sent} readings`)
    const temps = windows.flatMap((w) => (w.metrics.temperature ? [w.metrics.temperature] : []))
    expect(temps.reduce((s, t) => s + t.count, 0)).toBe(500)
    expect(Math.min(...temps.map((t) => t.min))).toBe(0)
    expect(Math.max(...windows.map((w) => w.devices))).toBeGreaterThan(0)
  })

  test('a wrong token is refused and that connection is closed', async () => {
    await expect(Device.connect(tcp, 's-1', tokens.issue('s-2'))).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' })
    const c = await connect<IotApp>(tcp)
    await expect(authenticate(c, { device: 'x', token: 'nope' })).rejects.toMatchObject({ code: 'E_UNAUTHORIZED' })
    expect((await c.closed()).code).toBeGreaterThan(0)
  })

  test('a device token cannot watch the dashboard, and a dashboard token cannot send readings', async () => {
    const d = await Device.connect(tcp, 's-7', tokens.issue('s-7'))
    await expect(d.client.request('dashboard/watch')).rejects.toMatchObject({ code: 'E_FORBIDDEN' })
    await d.close()
    const before = counted()
    const notice = nextEvent<ErrorBody>((fn) => dashboard.onError(fn))
    dashboard.send('telemetry/batch', encodeBatch([{ metric: 0, at: Date.now(), value: 1 }]))
    expect((await notice).code).toBe('E_FORBIDDEN')
    expect(counted()).toBe(before)
    const c = await connect<IotApp>(tcp)
    await expect(authenticate(c, { dashboard: 's-7', token: tokens.issue('s-7') })).rejects.toMatchObject({
      code: 'E_UNAUTHORIZED',
    })
  })

  test('readings before authentication are refused and not counted', async () => {
    const before = counted()
    const c = await connect<IotApp>(tcp)
    const notice = nextEvent<ErrorBody>((fn) => c.onError(fn))
    c.send('telemetry/batch', encodeBatch([{ metric: 0, at: Date.now(), value: 1 }]))
    expect((await notice).code).toBe('E_UNAUTHORIZED')
    await c.closed()
    expect(counted()).toBe(before)
  })

  test('a connection that never authenticates is closed after the deadline', async () => {
    const c = await connect<IotApp>(tcp)
    const notice = nextEvent<ErrorBody>((fn) => c.onError(fn))
    expect((await notice).code).toBe('E_AUTH_TIMEOUT')
    await c.closed()
  })

  test('a malformed batch from an authenticated device gets E_VALIDATION', async () => {
    const d = await Device.connect(tcp, 's-9', tokens.issue('s-9'))
    const notice = nextEvent<ErrorBody>((fn) => d.client.onError(fn))
    d.client.send('telemetry/batch', new Uint8Array([1, 2, 3]))
    expect((await notice).code).toBe('E_VALIDATION')
    await d.close()
  })
})

test('iot-telemetry demo runs end to end', async () => {
  const proc = Bun.spawn([process.execPath, 'examples/iot-telemetry/demo.ts'], {
    env: { ...process.env, DEMO_DEVICES: '30', DEMO_SECONDS: '0.6' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill(), 20_000)
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  clearTimeout(timer)
  expect(code).toBe(0)
  expect(out).toContain('device with a bad token rejected: E_UNAUTHORIZED')
  expect(out).toContain('30 devices authenticated over TCP')
  const m = out.match(/sent (\d+) readings in (\d+) packets .* dashboard counted (\d+)/)
  expect(m).not.toBeNull()
  expect(m![3]).toBe(m![1]!)
  expect(out).toContain('demo done')
})
