import { Msgtrans, MsgtransError, type MsgtransConfig } from '../../src/index.ts'
import { WindowAggregator, type WindowSummary } from './aggregate.ts'
import { DeviceTokens } from './tokens.ts'
import { decodeBatch } from './wire.ts'

/** Options of the telemetry server. */
export interface IotOptions {
  /** Secret that device and dashboard tokens derive from (see DeviceTokens). */
  secret: string
  /** Aggregation window, ms (default 1000). */
  windowMs?: number
  /** A connection that has not sent `$auth` within this many ms is closed (default 5000). */
  authTimeoutMs?: number
}

export const DASHBOARD_TOPIC = 'dashboard'
const DEVICE_ID = /^[\w.-]{1,64}$/

/** Who a connection is, after `$auth`. */
export type Identity = { kind: 'device'; device: string } | { kind: 'dashboard'; name: string }

/** The `$auth` body: a device, or a dashboard viewer. */
export type Credentials = { device: string; token: string } | { dashboard: string; token: string }

/**
 * Checks `$auth` credentials: tokens are HMAC(secret, id) for devices and
 * HMAC(secret, 'dashboard:' + name) for dashboards, so neither can pose as the other.
 */
function identify(tokens: DeviceTokens, body: unknown): Identity | false {
  const c = body as Partial<Record<'device' | 'dashboard' | 'token', unknown>> | null
  if (!c || typeof c.token !== 'string') return false
  if (typeof c.device === 'string' && DEVICE_ID.test(c.device) && tokens.verify(c.device, c.token)) {
    return { kind: 'device', device: c.device }
  }
  if (typeof c.dashboard === 'string' && DEVICE_ID.test(c.dashboard) && tokens.verify(`dashboard:${c.dashboard}`, c.token)) {
    return { kind: 'dashboard', name: c.dashboard }
  }
  return false
}

/**
 * iot-telemetry: devices authenticate with a per-device token (msgtrans `$auth`), then send
 * batches of small readings as one-way binary packets over TCP; the server aggregates
 * them per window and pushes one summary per window to dashboards on the `dashboard`
 * topic. Only devices may send readings and only dashboards may watch.
 *
 * @example
 * const app = await createIotApp({ tcp: { port: 7201 }, ws: { port: 7202 } }, { secret }).listen()
 * const device = await connect<IotApp>('tcp://127.0.0.1:7201')
 * await authenticate(device, { device: 'sensor-1', token }) // examples/iot-telemetry/device.ts
 * device.send('telemetry/batch', encodeBatch(readings))
 */
export function createIotApp(config: MsgtransConfig, options: IotOptions) {
  const tokens = new DeviceTokens(options.secret)
  const windowMs = options.windowMs ?? 1000
  const agg = new WindowAggregator(windowMs)
  let last: WindowSummary | undefined
  let open = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const app = new Msgtrans({
    ...config,
    authTimeout: options.authTimeoutMs ?? 5000,
    // WebSocket upgrades defer (undefined) to the `$auth` request, like TCP.
    authenticate: ({ phase, token }) => (phase === 'upgrade' ? undefined : identify(tokens, token)),
    authorize: ({ auth, route }) => {
      const kind = (auth as Identity).kind
      if (route === 'telemetry/batch') return kind === 'device'
      if (route === 'dashboard/watch') return kind === 'dashboard'
      return true
    },
  })
  const closeWindow = () => {
    last = agg.close()
    if (last.readings > 0 || app.subscribers(DASHBOARD_TOPIC) > 0) app.publish(DASHBOARD_TOPIC, 'dashboard/window', last)
  }
  return app
    .push('dashboard/window', { biz: 60 })
    .onOpen(() => {
      open++
      timer ??= setInterval(closeWindow, windowMs)
    })
    .onClose(() => {
      if (--open > 0) return
      clearInterval(timer)
      timer = undefined
    })
    .message('telemetry/batch', { biz: 51, codec: 'raw' }, ({ body, session }) => {
      let readings
      try {
        readings = decodeBatch(body)
      } catch (e) {
        throw new MsgtransError('E_VALIDATION', (e as Error).message)
      }
      agg.add((session.auth as { device: string }).device, readings)
    })
    .request('dashboard/watch', { biz: 61 }, ({ session }) => {
      session.subscribe(DASHBOARD_TOPIC)
      return { windowMs, last: last ?? null }
    })
}

/** The telemetry app's type, for typed clients. */
export type IotApp = ReturnType<typeof createIotApp>
