import type { Packet } from '../protocol/index.ts'

/**
 * Inbound packets whose handlers are still running (async), per session. Each has a
 * deadline: past it the packet is answered with E_TIMEOUT by `onTimeout`, its slot is
 * released, and a late result is discarded (see `expired`).
 *
 * @example
 * const inflight = new InflightTracker(30_000, (s, p) => replyError(s, p, 'E_TIMEOUT', '...'))
 * inflight.track(session, packet, handlerPromise)
 */
export class InflightTracker<S extends object = object> {
  readonly #counts = new Map<S, number>()
  readonly #expired = new WeakSet<Packet>()
  #total = 0

  constructor(
    readonly timeoutMs: number,
    private readonly onTimeout: (session: S, packet: Packet) => void,
  ) {}

  /** In-flight packets of one session. */
  count(session: S): number {
    return this.#total === 0 ? 0 : (this.#counts.get(session) ?? 0)
  }

  /** In-flight packets of every session. */
  get total(): number {
    return this.#total
  }

  /** True once a packet's deadline passed: its result must not be written. */
  expired(packet: Packet): boolean {
    return this.#expired.has(packet)
  }

  /** Tracks `work` (which never rejects) until it settles or its deadline passes. */
  track(session: S, packet: Packet, work: Promise<unknown>): void {
    this.#add(session, 1)
    let done = false
    const timer =
      this.timeoutMs > 0
        ? setTimeout(() => {
            if (done) return
            done = true
            this.#expired.add(packet)
            this.#add(session, -1)
            this.onTimeout(session, packet)
          }, this.timeoutMs)
        : undefined
    void work.finally(() => {
      if (done) return
      done = true
      clearTimeout(timer)
      this.#add(session, -1)
    })
  }

  #add(session: S, d: number): void {
    const n = this.count(session) + d
    if (n < 0) throw new Error('msgtrans: in-flight count below zero')
    if (n === 0) this.#counts.delete(session)
    else this.#counts.set(session, n)
    this.#total += d
  }
}
