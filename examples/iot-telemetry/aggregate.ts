import { METRICS, type MetricName, type Reading } from './wire.ts'

/** Per-metric summary of one window. */
export interface MetricSummary {
  count: number
  min: number
  max: number
  mean: number
}

/** What the dashboard receives at the end of each window. */
export interface WindowSummary {
  /** Window start and length (processing time: readings count in the window they arrive in). */
  start: number
  ms: number
  devices: number
  readings: number
  batches: number
  metrics: Partial<Record<MetricName, MetricSummary>>
}

interface Acc {
  count: number
  min: number
  max: number
  sum: number
}

/** Bound on distinct devices tracked in one window. */
export const MAX_DEVICES_PER_WINDOW = 100_000

/**
 * Tumbling-window aggregation over the whole fleet: count/min/max/mean per metric and
 * the number of devices that reported. O(metrics) memory per window plus a device set.
 *
 * @example
 * const agg = new WindowAggregator(1000)
 * agg.add('dev-1', readings)
 * const summary = agg.close() // then publish it to the dashboard
 */
export class WindowAggregator {
  #start = Date.now()
  #acc: Acc[] = METRICS.map(() => ({ count: 0, min: Infinity, max: -Infinity, sum: 0 }))
  #devices = new Set<string>()
  #readings = 0
  #batches = 0

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError('window must be > 0 ms')
  }

  get pending(): number {
    return this.#readings
  }

  add(device: string, readings: readonly Reading[]): void {
    if (this.#devices.size < MAX_DEVICES_PER_WINDOW) this.#devices.add(device)
    this.#batches++
    this.#readings += readings.length
    for (const r of readings) {
      const a = this.#acc[r.metric]!
      a.count++
      a.sum += r.value
      if (r.value < a.min) a.min = r.value
      if (r.value > a.max) a.max = r.value
    }
  }

  /** Ends the current window and starts the next; returns the ended window's summary. */
  close(now: number = Date.now()): WindowSummary {
    const metrics: WindowSummary['metrics'] = {}
    this.#acc.forEach((a, i) => {
      if (a.count > 0) metrics[METRICS[i]!] = { count: a.count, min: a.min, max: a.max, mean: a.sum / a.count }
    })
    const summary: WindowSummary = {
      start: this.#start,
      ms: now - this.#start,
      devices: this.#devices.size,
      readings: this.#readings,
      batches: this.#batches,
      metrics,
    }
    this.#start = now
    this.#acc = METRICS.map(() => ({ count: 0, min: Infinity, max: -Infinity, sum: 0 }))
    this.#devices = new Set()
    this.#readings = this.#batches = 0
    return summary
  }
}
