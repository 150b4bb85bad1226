/** Reconnect delays: exponential growth with a cap, spread by jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, ms (250). */
  initial?: number
  /** Largest delay, ms (10 s). */
  max?: number
  /** Growth per attempt (2). */
  factor?: number
}

/**
 * Delay before retry number `attempt` (1-based): "equal jitter", half of the capped
 * exponential step fixed and half random, so retries both back off and spread out
 * (a restarted server is not hit by every client at the same instant).
 *
 * @example
 * backoffDelay(3, { initial: 100, max: 5_000 }) // between 200 and 400
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random = Math.random): number {
  const initial = opts.initial ?? 250
  const max = opts.max ?? 10_000
  const factor = opts.factor ?? 2
  if (attempt < 1 || initial < 0 || max < initial || factor < 1) throw new RangeError('msgtrans: bad backoff')
  const step = Math.min(max, initial * factor ** (attempt - 1))
  return Math.round(step / 2 + random() * (step / 2))
}
