import type { Pointer } from 'bun:ffi'
import { check, NativeError } from '../errors.ts'
import type { RawLib } from '../ffi.ts'
import {
  COUNTER_SLOTS,
  HISTOGRAM_SLOTS,
  type Histogram,
  type LatencySummary,
  type Metrics,
} from '../metrics_types.ts'
import { Status } from '../symbols.ts'

/**
 * Native counters and histograms; attach by id to share them between Workers.
 *
 * @example
 * const m = ZigMetrics.attach(lib, 0)
 * m.histogram(0).record(1500)
 */
export class ZigMetrics implements Metrics {
  readonly #lib: RawLib
  #set: Pointer | 0
  readonly #release: () => void
  readonly #counters = new BigUint64Array(COUNTER_SLOTS)
  readonly #summary = new BigUint64Array(8)

  private constructor(lib: RawLib, set: Pointer, release: () => void) {
    this.#lib = lib
    this.#set = set
    this.#release = release
  }

  static create(lib: RawLib): ZigMetrics {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_metrics_create(out), 'metrics create')
    const set = Number(out[0]) as Pointer
    return new ZigMetrics(lib, set, () => lib.msgtrans_metrics_destroy(set))
  }

  static attach(lib: RawLib, id: number): ZigMetrics {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_metrics_attach(id, out), 'metrics attach')
    return new ZigMetrics(lib, Number(out[0]) as Pointer, () => lib.msgtrans_metrics_detach(id))
  }

  #ptr(): Pointer {
    if (this.#set === 0) throw new Error('msgtrans: Metrics used after close()')
    return this.#set
  }

  add(counter: number, delta = 1): void {
    check(this.#lib.msgtrans_counter_add(this.#ptr(), counter, delta), 'counter add')
  }

  counters(): number[] {
    check(this.#lib.msgtrans_counters_read(this.#ptr(), this.#counters), 'counters read')
    return Array.from(this.#counters, Number)
  }

  histogram(index: number): Histogram {
    if (!(index >= 0 && index < HISTOGRAM_SLOTS)) {
      throw new NativeError(Status.invalid_argument, `histogram ${index}`)
    }
    const lib = this.#lib
    const summary = this.#summary
    const ptr = () => this.#ptr()
    return {
      record(ns: number): void {
        check(lib.msgtrans_histogram_record(ptr(), index, Math.max(0, Math.round(ns))), 'record')
      },
      summary(): LatencySummary {
        check(lib.msgtrans_histogram_summary(ptr(), index, summary), 'histogram summary')
        const [count, min, max, mean, p50, p90, p99, p999] = Array.from(summary, Number) as [
          number, number, number, number, number, number, number, number,
        ]
        return { count, min, max, mean, p50, p90, p99, p999 }
      },
      reset(): void {
        check(lib.msgtrans_histogram_reset(ptr(), index), 'histogram reset')
      },
    }
  }

  close(): void {
    if (this.#set === 0) return
    this.#set = 0
    this.#release()
  }
}
