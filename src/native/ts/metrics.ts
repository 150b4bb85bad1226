import { NativeError } from '../errors.ts'
import {
  bucketHigh,
  bucketOf,
  COUNTER_SLOTS,
  HISTOGRAM_MAX_EXPONENT,
  HISTOGRAM_SLOTS,
  HISTOGRAM_SUB_BUCKETS,
  type Histogram,
  type LatencySummary,
  type Metrics,
} from '../metrics_types.ts'
import { Status } from '../symbols.ts'

const BUCKETS = HISTOGRAM_SUB_BUCKETS * (HISTOGRAM_MAX_EXPONENT - 4 + 2)

class TsHistogram implements Histogram {
  #buckets = new Float64Array(BUCKETS)
  #count = 0
  #sum = 0
  #min = Infinity
  #max = 0

  record(ns: number): void {
    const v = Math.max(0, Math.round(ns))
    this.#buckets[bucketOf(v)]!++
    this.#count++
    this.#sum += v
    this.#min = Math.min(this.#min, v)
    this.#max = Math.max(this.#max, v)
  }

  summary(): LatencySummary {
    const count = this.#count
    const at = (perMille: number): number => {
      if (count === 0) return 0
      const rank = Math.max(1, Math.ceil((count * perMille) / 1000))
      let seen = 0
      for (let i = 0; i < BUCKETS; i++) {
        seen += this.#buckets[i]!
        if (seen >= rank) return Math.min(bucketHigh(i), this.#max)
      }
      return this.#max
    }
    return {
      count, min: count ? this.#min : 0, max: this.#max,
      mean: count ? Math.floor(this.#sum / count) : 0,
      p50: at(500), p90: at(900), p99: at(990), p999: at(999),
    }
  }

  reset(): void {
    this.#buckets.fill(0)
    this.#count = this.#sum = this.#max = 0
    this.#min = Infinity
  }
}

/**
 * Pure-TS counters and histograms with the Zig bucket layout (per JS thread).
 *
 * @example
 * const m = new TsMetrics()
 * m.histogram(0).record(2_000)
 */
export class TsMetrics implements Metrics {
  readonly #counters = new Array<number>(COUNTER_SLOTS).fill(0)
  readonly #histograms = Array.from({ length: HISTOGRAM_SLOTS }, () => new TsHistogram())

  add(counter: number, delta = 1): void {
    if (!(counter >= 0 && counter < COUNTER_SLOTS)) {
      throw new NativeError(Status.invalid_argument, 'counter add')
    }
    this.#counters[counter]! += delta
  }

  counters(): number[] {
    return [...this.#counters]
  }

  histogram(index: number): Histogram {
    const h = this.#histograms[index]
    if (!h) throw new NativeError(Status.invalid_argument, `histogram ${index}`)
    return h
  }

  close(): void {}
}
