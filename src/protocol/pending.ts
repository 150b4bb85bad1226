import type { Packet } from './packet.ts'
import { MsgtransError, ErrorCode } from './envelope.ts'

interface Pending {
  resolve(packet: Packet): void
  reject(err: Error): void
  timer: ReturnType<typeof setTimeout>
}

/**
 * Outstanding requests of one connection, matched by message id alone (the Rust server
 * answers with biz_type 0). Each entry has a timeout; `rejectAll` ends them on
 * disconnect. Bounded by `maxPending`.
 *
 * @example
 * const pending = new PendingRequests(1024)
 * const reply = pending.add(id, 10_000)
 * // when a response arrives:
 * pending.settle(packet)
 */
export class PendingRequests {
  readonly #map = new Map<number, Pending>()

  constructor(readonly maxPending: number = 65_536) {}

  get size(): number {
    return this.#map.size
  }

  /** Registers a request id; the promise settles with the response packet. */
  add(id: number, timeoutMs: number): Promise<Packet> {
    if (this.#map.has(id)) return Promise.reject(new RangeError(`msgtrans: request id ${id} in use`))
    if (this.#map.size >= this.maxPending) {
      return Promise.reject(new MsgtransError('E_TOO_MANY_PENDING', `more than ${this.maxPending} pending requests`))
    }
    return new Promise<Packet>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#map.delete(id)
        reject(new MsgtransError(ErrorCode.timeout, `request ${id} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.#map.set(id, { resolve, reject, timer })
    })
  }

  /** Resolves the request the response answers; false when no request has its id. */
  settle(response: Packet): boolean {
    const p = this.#map.get(response.id)
    if (!p) return false
    this.#map.delete(response.id)
    clearTimeout(p.timer)
    p.resolve(response)
    return true
  }

  /** Rejects one pending request (e.g. its write was dropped). */
  fail(id: number, err: Error): void {
    const p = this.#map.get(id)
    if (!p) return
    this.#map.delete(id)
    clearTimeout(p.timer)
    p.reject(err)
  }

  /** Rejects every pending request (disconnect). */
  rejectAll(err: Error): void {
    for (const [, p] of this.#map) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.#map.clear()
  }
}
