import { TokenBucket, type BucketSpec } from '../protocol/index.ts'

/** Token-bucket rate limits (off unless configured). */
export interface RateLimitConfig {
  /** Every inbound packet of a session (heartbeats excepted). */
  session?: BucketSpec
  /** Per route name, per session; checked after the session bucket. */
  routes?: Record<string, BucketSpec>
  /** Limited packets in a row before the session is closed (default 100). */
  maxViolations?: number
}

/** Outcome of a rate check. */
export type RateVerdict = 'ok' | 'limited' | 'close'

interface SessionBuckets {
  all: TokenBucket | undefined
  routes: Map<string, TokenBucket>
  violations: number
}

/**
 * Per-session and per-route token buckets. A limited packet is answered with
 * E_RATE_LIMITED; `maxViolations` limited packets in a row close the session.
 *
 * @example
 * const limiter = new RateLimiter({ session: { rate: 100, burst: 50 } })
 * if (limiter.check(session, 'chat/send') !== 'ok') reject()
 */
export class RateLimiter {
  readonly #sessions = new Map<object, SessionBuckets>()
  readonly #maxViolations: number
  /** False when no limit is configured (checked per packet, so computed once). */
  readonly enabled: boolean

  constructor(
    readonly config: RateLimitConfig = {},
    private readonly now?: () => number,
  ) {
    this.#maxViolations = config.maxViolations ?? 100
    this.enabled = config.session !== undefined || Object.keys(config.routes ?? {}).length > 0
  }

  /** Spends a token of the session's bucket and of the route's, if any. */
  check(session: object, route: string | undefined): RateVerdict {
    if (!this.enabled) return 'ok'
    const b = this.#buckets(session)
    const routeSpec = route !== undefined ? this.config.routes?.[route] : undefined
    let ok = b.all ? b.all.take() : true
    if (ok && routeSpec) {
      let rb = b.routes.get(route!)
      if (!rb) b.routes.set(route!, (rb = new TokenBucket(routeSpec, this.now)))
      ok = rb.take()
    }
    if (ok) {
      b.violations = 0
      return 'ok'
    }
    return ++b.violations >= this.#maxViolations ? 'close' : 'limited'
  }

  /** Drops a closed session's buckets. */
  forget(session: object): void {
    this.#sessions.delete(session)
  }

  /** Sessions with buckets (for leak checks). */
  get size(): number {
    return this.#sessions.size
  }

  #buckets(session: object): SessionBuckets {
    let b = this.#sessions.get(session)
    if (!b) {
      const all = this.config.session ? new TokenBucket(this.config.session, this.now) : undefined
      this.#sessions.set(session, (b = { all, routes: new Map(), violations: 0 }))
    }
    return b
  }
}
