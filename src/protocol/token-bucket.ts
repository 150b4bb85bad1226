/** Capacity and refill of a token bucket. */
export interface BucketSpec {
  /** Tokens added per second (sustained rate). */
  rate: number
  /** Largest number of tokens held (burst size). */
  burst: number
}

/**
 * A token bucket: `take()` spends one token and says whether one was there. Refills
 * lazily from the clock on each call, so an idle bucket costs nothing.
 *
 * @example
 * const bucket = new TokenBucket({ rate: 100, burst: 20 })
 * if (!bucket.take()) reject('E_RATE_LIMITED')
 */
export class TokenBucket {
  #tokens: number
  #last: number

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    if (!(spec.rate > 0) || !(spec.burst >= 1)) {
      const got = `got ${spec.rate}, ${spec.burst}`
      throw new RangeError(`msgtrans: token bucket needs rate > 0 and burst >= 1 (${got})`)
    }
    this.#tokens = spec.burst
    this.#last = now()
  }

  /** Tokens available now (fractional). */
  get tokens(): number {
    this.#refill()
    return this.#tokens
  }

  /** Spends `n` tokens if available; false (and nothing spent) otherwise. */
  take(n = 1): boolean {
    this.#refill()
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }

  #refill(): void {
    const t = this.now()
    const elapsed = Math.max(0, t - this.#last) / 1000
    this.#last = t
    this.#tokens = Math.min(this.spec.burst, this.#tokens + elapsed * this.spec.rate)
  }
}
