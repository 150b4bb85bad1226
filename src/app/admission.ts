/**
 * Counts live connections globally and per remote IP, refusing past the bounds.
 *
 * @example
 * const limiter = new ConnectionLimiter(10_000, 1_000)
 * const refused = limiter.admit(ip) // undefined or a reason
 * // on close of an admitted connection:
 * limiter.release(ip)
 */
export class ConnectionLimiter {
  readonly #perIp = new Map<string, number>()
  #total = 0

  constructor(
    readonly maxConnections: number,
    readonly maxPerIp: number,
  ) {}

  get total(): number {
    return this.#total
  }

  /** Connections counted for one IP. */
  count(ip: string): number {
    return this.#perIp.get(ip) ?? 0
  }

  /** Why a new connection from `ip` would be refused, without counting it. */
  check(ip: string): string | undefined {
    if (this.#total >= this.maxConnections) {
      return `server has ${this.maxConnections} connections (maxConnections)`
    }
    if (this.count(ip) >= this.maxPerIp) {
      return `${this.maxPerIp} connections from ${ip} (maxConnectionsPerIp)`
    }
    return undefined
  }

  /** Counts a connection, or returns why it is refused (then nothing is counted). */
  admit(ip: string): string | undefined {
    const refused = this.check(ip)
    if (refused) return refused
    this.#total++
    this.#perIp.set(ip, this.count(ip) + 1)
    return undefined
  }

  /** Releases a connection counted by admit(). */
  release(ip: string): void {
    const n = this.count(ip)
    if (n <= 0) throw new Error(`msgtrans: release of ${ip} without admit`)
    if (n === 1) this.#perIp.delete(ip)
    else this.#perIp.set(ip, n - 1)
    this.#total--
  }
}
