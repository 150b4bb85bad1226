import { z } from 'zod'
import { Msgtrans, MsgtransError, type MsgtransConfig } from '../../src/index.ts'
import { WindowAggregator, type WindowSummary } from './aggregate.ts'
import { DeviceTokens } from './tokens.ts'
import { decodeBatch } from './wire.ts'

/** Options of the telemetry server. */
export interface IotOptions {
  /** Secret that device tokens derive from (see DeviceTokens). */
  secret: string
  /** Aggregation window, ms (default 1000). */
  windowMs?: number
  /** A connection that has not authenticated within this many ms is closed (default 5000). */
  authTimeoutMs?: number
}

/** Wrong tokens tolerated on one connection before it is closed. */
export const MAX_AUTH_FAILURES = 3
/** Close code for connections that failed to authenticate. */
export const CLOSE_UNAUTHORIZED = 4001
export const DASHBOARD_TOPIC = 'dashboard'

const DeviceId = z.string().regex(/^[\w.-]{1,64}$/)

/**
 * iot-telemetry: devices authenticate with a per-device token, then send batches of small
 * readings as one-way binary packets over TCP; the server aggregates them per window and
 * pushes one summary per window to dashboards subscribed to the `dashboard` topic.
 *
 * @example
 * const app = await createIotApp({ tcp: { port: 7201 }, ws: { port: 7202 } }, { secret }).listen()
 * const device = await connect<IotApp>('tcp://127.0.0.1:7201')
 * await device.request('device/auth', { device: 'sensor-1', token })
 * device.send('telemetry/batch', encodeBatch(readings))
 */
export function createIotApp(config: MsgtransConfig, options: IotOptions) {
  const tokens = new DeviceTokens(options.secret)
  const windowMs = options.windowMs ?? 1000
  const authTimeoutMs = options.authTimeoutMs ?? 5000
  const agg = new WindowAggregator(windowMs)
  let last: WindowSummary | undefined
  let open = 0
  let timer: ReturnType<typeof setInterval> | undefined
  const app = new Msgtrans(config)
  const closeWindow = () => {
    last = agg.close()
    if (last.readings > 0 || app.subscribers(DASHBOARD_TOPIC) > 0) app.publish(DASHBOARD_TOPIC, 'dashboard/window', last)
  }
  return app
    .push('dashboard/window', { biz: 60 })
    .onOpen(({ session }) => {
      open++
      timer ??= setInterval(closeWindow, windowMs)
      session.data.authTimer = setTimeout(() => {
        if (!session.data.device) session.close(CLOSE_UNAUTHORIZED, 'authentication timeout')
      }, authTimeoutMs)
    })
    .onClose(({ session }) => {
      clearTimeout(session.data.authTimer)
      if (--open === 0) {
        clearInterval(timer)
        timer = undefined
      }
    })
    .request(
      'device/auth',
      { biz: 50, body: z.object({ device: DeviceId, token: z.string().max(128) }) },
      ({ body, session }) => {
        if (!tokens.verify(body.device, body.token)) {
          session.data.failures = (session.data.failures ?? 0) + 1
          if (session.data.failures >= MAX_AUTH_FAILURES) queueMicrotask(() => session.close(CLOSE_UNAUTHORIZED, 'unauthorized'))
          throw new MsgtransError('E_UNAUTHORIZED', `bad token for device ${body.device}`)
        }
        clearTimeout(session.data.authTimer)
        session.data.device = body.device
        return { device: body.device, windowMs }
      },
    )
    .message('telemetry/batch', { biz: 51, codec: 'raw' }, ({ body, session }) => {
      const device = session.data.device as string | undefined
      if (!device) throw new MsgtransError('E_UNAUTHORIZED', 'authenticate with device/auth first')
      let readings
      try {
        readings = decodeBatch(body)
      } catch (e) {
        throw new MsgtransError('E_VALIDATION', (e as Error).message)
      }
      agg.add(device, readings)
    })
    .request('dashboard/watch', { biz: 61 }, ({ session }) => {
      session.subscribe(DASHBOARD_TOPIC)
      return { windowMs, last: last ?? null }
    })
}

/** The telemetry app's type, for typed clients. */
export type IotApp = ReturnType<typeof createIotApp>
