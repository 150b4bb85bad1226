import { ptr as pointerOf, type Pointer } from 'bun:ffi'
import { check, NativeError } from '../errors.ts'
import type { RawLib } from '../ffi.ts'
import {
  DEFAULT_QUEUE_CAPACITY,
  type MessageSink,
  type PushResult,
  type QueueStats,
  type WorkerQueue,
} from '../queue_types.ts'
import { Status } from '../symbols.ts'
import type { BufferPool } from '../buffer_types.ts'
import { ZigBufferPool } from './buffer_pool.ts'

const BATCH = 256
const WORDS = 6 // handle lo, handle hi, buffer, len, flags, reserved

/**
 * A worker's native queue. Attach by worker id in every Worker: senders and the owner
 * reach the same queue.
 *
 * @example
 * const inbox = ZigWorkerQueue.attach(lib, workerId)
 * inbox.drain((handle, ref, len) => deliver(handle, ref, len))
 */
export class ZigWorkerQueue implements WorkerQueue {
  readonly #lib: RawLib
  #queue: Pointer | 0
  readonly #release: () => void
  readonly #batch = new Uint32Array(BATCH * WORDS)
  readonly #batchPtr: Pointer
  readonly #stats = new BigUint64Array(6)

  private constructor(lib: RawLib, queue: Pointer, release: () => void) {
    this.#lib = lib
    this.#queue = queue
    this.#release = release
    this.#batchPtr = pointerOf(this.#batch)
  }

  /** A private queue; `capacity` is a power of two. */
  static create(lib: RawLib, capacity = DEFAULT_QUEUE_CAPACITY): ZigWorkerQueue {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_queue_create(capacity, out), 'queue create')
    const queue = Number(out[0]) as Pointer
    return new ZigWorkerQueue(lib, queue, () => lib.msgtrans_queue_destroy(queue))
  }

  /** The process-wide queue of worker `id` (0..255); first capacity wins. */
  static attach(lib: RawLib, id: number, capacity = DEFAULT_QUEUE_CAPACITY): ZigWorkerQueue {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_queue_attach(id, capacity, out), 'queue attach')
    return new ZigWorkerQueue(lib, Number(out[0]) as Pointer, () => lib.msgtrans_queue_detach(id))
  }

  #ptr(): Pointer {
    if (this.#queue === 0) throw new Error('msgtrans: WorkerQueue used after close()')
    return this.#queue
  }

  carryRefs(pool: BufferPool): void {
    check(this.#lib.msgtrans_queue_carry_refs(this.#ptr(), ZigBufferPool.pointerOf(pool)), 'queue carryRefs')
  }

  push(handle: number, buffer: number, len: number, flags: number): PushResult {
    const code = this.#lib.msgtrans_queue_push(this.#ptr(), handle, buffer, len, flags)
    if (code === 1) return 'wake'
    if (code === 0) return 'queued'
    if (code === Status.full) return 'full'
    throw new NativeError(code, 'queue push')
  }

  drain(sink: MessageSink, max = Infinity): number {
    const q = this.#ptr()
    const b = this.#batch
    let total = 0
    while (total < max) {
      const n = this.#lib.msgtrans_queue_pop_batch(q, this.#batchPtr, Math.min(BATCH, max - total))
      if (n < 0) throw new NativeError(n, 'queue drain')
      for (let i = 0; i < n; i++) {
        const w = i * WORDS
        sink(b[w]! + b[w + 1]! * 2 ** 32, b[w + 2]!, b[w + 3]!, b[w + 4]!)
      }
      total += n
      if (n < BATCH) break
    }
    return total
  }

  prepareSleep(): boolean {
    return this.#lib.msgtrans_queue_prepare_sleep(this.#ptr()) === 1
  }

  stats(): QueueStats {
    check(this.#lib.msgtrans_queue_stats(this.#ptr(), this.#stats), 'queue stats')
    const [pushed, popped, full, wakeups, len, capacity] = Array.from(this.#stats, Number)
    return {
      pushed: pushed!, popped: popped!, full: full!, wakeups: wakeups!, len: len!,
      capacity: capacity!,
    }
  }

  close(): void {
    if (this.#queue === 0) return
    this.#queue = 0
    this.#release()
  }
}
