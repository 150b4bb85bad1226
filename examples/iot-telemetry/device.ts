import { connect, type Client } from '../../src/index.ts'
import type { Credentials, IotApp } from './app.ts'
import { encodeBatch, MAX_BATCH_READINGS, MAX_BATCH_SPAN_MS, type Reading } from './wire.ts'

/**
 * Sends msgtrans's built-in `$auth` request. It is not one of the app's routes, so the
 * typed client is widened for this one call.
 *
 * @example
 * await authenticate(client, { device: 'sensor-1', token })
 */
export function authenticate(client: Client<IotApp>, credentials: Credentials): Promise<{ ok: boolean }> {
  return (client as unknown as Client).request('$auth', credentials)
}

/** Options of a simulated (or real) device connection. */
export interface DeviceOptions {
  /** Flush at least this often, ms (default 100): latency bound of a reading. */
  flushMs?: number
  /** Flush when this many readings are buffered (default 256, at most 1024). */
  maxReadings?: number
}

/**
 * A device's side: authenticates (`$auth`), then batches readings so that many small high-rate
 * readings cost one packet (12 + 7·n bytes) per flush instead of one each.
 *
 * @example
 * const dev = await Device.connect('tcp://127.0.0.1:7201', 'sensor-1', token)
 * dev.record({ metric: 0, at: Date.now(), value: 21.5 })
 * await dev.close() // flushes first
 */
export class Device {
  readonly #buffer: Reading[] = []
  readonly #maxReadings: number
  #timer: ReturnType<typeof setInterval>
  packets = 0
  readings = 0

  private constructor(
    readonly id: string,
    readonly client: Client<IotApp>,
    options: DeviceOptions,
  ) {
    this.#maxReadings = Math.min(options.maxReadings ?? 256, MAX_BATCH_READINGS)
    this.#timer = setInterval(() => this.flush(), options.flushMs ?? 100)
  }

  static async connect(url: string, id: string, token: string, options: DeviceOptions = {}): Promise<Device> {
    const client = await connect<IotApp>(url)
    try {
      await authenticate(client, { device: id, token })
    } catch (e) {
      await client.close()
      throw e
    }
    return new Device(id, client, options)
  }

  record(reading: Reading): void {
    const first = this.#buffer[0]
    if (first && reading.at - first.at > MAX_BATCH_SPAN_MS) this.flush()
    this.#buffer.push(reading)
    if (this.#buffer.length >= this.#maxReadings) this.flush()
  }

  /** Sends what is buffered as one packet; returns what the send did. */
  flush(): 'sent' | 'queued' | 'dropped' | 'empty' {
    if (this.#buffer.length === 0) return 'empty'
    const result = this.client.send('telemetry/batch', encodeBatch(this.#buffer))
    this.packets++
    this.readings += this.#buffer.length
    this.#buffer.length = 0
    return result
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.flush()
    await this.client.close()
  }
}
