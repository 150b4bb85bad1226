/** Bound on kept jitter samples (about 68 s at 60 Hz). */
export const MAX_JITTER_SAMPLES = 4096
/** Behind by more than this many periods, the loop drops the missed ticks and resyncs. */
const MAX_LAG_PERIODS = 5

/** Tick timing so far, in milliseconds. */
export interface TickStats {
  hz: number
  ticks: number
  /** Ticks skipped because the loop fell more than 5 periods behind. */
  skipped: number
  /** |actual - scheduled| start of each tick (fixed-rate schedule, so no drift). */
  jitter: { p50: number; p99: number; max: number; mean: number }
  /** Time spent inside the tick function. */
  work: { p50: number; p99: number; max: number }
}

/**
 * A fixed-rate loop: tick n is due at start + n·period (no drift from setInterval), and
 * every tick records how late it ran. Timers have ~1 ms resolution, so expect jitter in
 * the 0-2 ms range on an idle machine; the numbers are reported, never assumed.
 *
 * @example
 * const loop = new TickLoop(60, (tick) => world.step(tick))
 * loop.start(); ...; loop.stop(); loop.stats().jitter.p99
 */
export class TickLoop {
  readonly period: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #t0 = 0
  #n = 0
  #tick = 0
  #skipped = 0
  readonly #late = new Float64Array(MAX_JITTER_SAMPLES)
  readonly #work = new Float64Array(MAX_JITTER_SAMPLES)
  #samples = 0

  constructor(
    readonly hz: number,
    private readonly fn: (tick: number) => void,
  ) {
    if (!(hz > 0 && hz <= 1000)) throw new RangeError(`tick rate must be in (0, 1000] Hz, got ${hz}`)
    this.period = 1000 / hz
  }

  get running(): boolean {
    return this.#timer !== undefined
  }

  start(): void {
    if (this.#timer) return
    this.#t0 = performance.now()
    this.#n = 0
    this.#schedule()
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  stats(): TickStats {
    const n = Math.min(this.#samples, MAX_JITTER_SAMPLES)
    const late = [...this.#late.subarray(0, n)].sort((a, b) => a - b)
    const work = [...this.#work.subarray(0, n)].sort((a, b) => a - b)
    const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0
    const mean = late.reduce((s, x) => s + x, 0) / (n || 1)
    return {
      hz: this.hz,
      ticks: this.#tick,
      skipped: this.#skipped,
      jitter: { p50: at(late, 0.5), p99: at(late, 0.99), max: late[n - 1] ?? 0, mean },
      work: { p50: at(work, 0.5), p99: at(work, 0.99), max: work[n - 1] ?? 0 },
    }
  }

  #schedule(): void {
    const due = this.#t0 + ++this.#n * this.period
    this.#timer = setTimeout(() => this.#run(due), Math.max(0, due - performance.now()))
  }

  #run(due: number): void {
    const start = performance.now()
    const late = start - due
    if (late > MAX_LAG_PERIODS * this.period) {
      this.#skipped += Math.floor(late / this.period)
      this.#t0 = start
      this.#n = 0
    }
    this.fn(++this.#tick)
    const slot = this.#samples++ % MAX_JITTER_SAMPLES
    this.#late[slot] = Math.abs(late)
    this.#work[slot] = performance.now() - start
    if (this.#timer) this.#schedule()
  }
}
