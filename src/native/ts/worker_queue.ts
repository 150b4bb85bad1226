import { NativeError } from '../errors.ts'
import {
  DEFAULT_QUEUE_CAPACITY,
  type MessageSink,
  type PushResult,
  type QueueStats,
  type WorkerQueue,
} from '../queue_types.ts'
import { Status } from '../symbols.ts'
import type { BufferPool } from '../buffer_types.ts'
import { TsBufferPool } from './buffer_pool.ts'

/**
 * Pure-TS worker queue: the same bounded ring and wake-up protocol, inside one JS
 * thread (without the native library, Workers do not share queues).
 *
 * @example
 * const q = new TsWorkerQueue(8)
 * q.push(1, 0, 10, 0) // 'wake'
 * q.drain((handle) => console.log(handle))
 */
export class TsWorkerQueue implements WorkerQueue {
  readonly #ring: Float64Array
  readonly #capacity: number
  #head = 0
  #len = 0
  #idle = true
  #pushed = 0
  #full = 0
  #wakeups = 0
  #closed = false
  #pool: TsBufferPool | undefined

  constructor(capacity = DEFAULT_QUEUE_CAPACITY) {
    const pow2 = capacity >= 2 && capacity <= 1 << 20 && (capacity & (capacity - 1)) === 0
    if (!pow2) throw new NativeError(Status.invalid_argument, 'queue create')
    this.#capacity = capacity
    this.#ring = new Float64Array(capacity * 4)
  }

  #check(): void {
    if (this.#closed) throw new Error('msgtrans: WorkerQueue used after close()')
  }

  carryRefs(pool: BufferPool): void {
    if (!(pool instanceof TsBufferPool) || (this.#pool && this.#pool !== pool)) {
      throw new NativeError(Status.invalid_argument, 'queue carryRefs')
    }
    this.#pool = pool
  }

  push(handle: number, buffer: number, len: number, flags: number): PushResult {
    this.#check()
    if (this.#len === this.#capacity) {
      this.#full++
      return 'full'
    }
    const at = ((this.#head + this.#len) % this.#capacity) * 4
    this.#ring.set([handle, buffer, len, flags], at)
    this.#len++
    this.#pushed++
    this.#pool?.handOff(buffer)
    if (!this.#idle) return 'queued'
    this.#idle = false
    this.#wakeups++
    return 'wake'
  }

  drain(sink: MessageSink, max = Infinity): number {
    this.#check()
    let n = 0
    while (this.#len > 0 && n < max) {
      const at = this.#head * 4
      const r = this.#ring
      this.#head = (this.#head + 1) % this.#capacity
      this.#len--
      n++
      this.#pool?.takeOver(r[at + 1]!)
      sink(r[at]!, r[at + 1]!, r[at + 2]!, r[at + 3]!)
    }
    return n
  }

  prepareSleep(): boolean {
    this.#check()
    this.#idle = this.#len === 0
    return this.#idle
  }

  stats(): QueueStats {
    return {
      pushed: this.#pushed, popped: this.#pushed - this.#len, full: this.#full,
      wakeups: this.#wakeups, len: this.#len, capacity: this.#capacity,
    }
  }

  close(): void {
    this.#closed = true
  }
}
