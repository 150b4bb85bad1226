/**
 * Tracks when each item last showed life and, on a timer, reports items quiet for at
 * least `idleMs`. One timer for all items; a touch is a Map write. The timer does not
 * keep the process alive.
 *
 * @example
 * const idle = new IdleSweeper<Connection>(30_000, 1_000, (c) => c.close(1001, 'E_IDLE'))
 * idle.touch(conn) // on every inbound packet
 */
export class IdleSweeper<T> {
  readonly #last = new Map<T, number>()
  readonly #timer: ReturnType<typeof setInterval>

  constructor(
    readonly idleMs: number,
    tickMs: number,
    private readonly onIdle: (item: T, quietFor: number) => void,
  ) {
    if (!(idleMs > 0) || !(tickMs > 0)) {
      throw new RangeError('msgtrans: idle sweeper needs idleMs and tickMs > 0')
    }
    this.#timer = setInterval(() => this.sweep(), tickMs)
    this.#timer.unref?.()
  }

  /** Items tracked. */
  get size(): number {
    return this.#last.size
  }

  /** Records life now (also starts tracking). */
  touch(item: T): void {
    this.#last.set(item, performance.now())
  }

  delete(item: T): void {
    this.#last.delete(item)
  }

  /** Reports idle items (run by the timer; public for tests). */
  sweep(): void {
    const now = performance.now()
    for (const [item, last] of this.#last) {
      const quiet = now - last
      if (quiet >= this.idleMs) {
        this.#last.delete(item)
        this.onIdle(item, quiet)
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#last.clear()
  }
}
