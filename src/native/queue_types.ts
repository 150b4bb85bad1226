/** Cross-worker delivery queues: one bounded MPSC queue per worker. */

/** What a push did: woke the idle owner, queued behind other work, or dropped (full). */
export type PushResult = 'wake' | 'queued' | 'full'

export interface QueueStats {
  pushed: number
  popped: number
  /** Pushes refused because the queue was full. */
  full: number
  /** Pushes that had to wake the owner. */
  wakeups: number
  len: number
  capacity: number
}

/** Receives one message; `handle` is a session handle, `buffer` a buffer ref. */
export type MessageSink = (handle: number, buffer: number, len: number, flags: number) => void

/** Default capacity of a worker's queue (a power of two). */
export const DEFAULT_QUEUE_CAPACITY = 4096

/**
 * A worker's inbox. Senders `push`; when the result is 'wake' they nudge the owner
 * (e.g. `worker.postMessage(0)`). The owner drains until empty, then calls
 * `prepareSleep()` and waits for the next nudge only if it returned true.
 *
 * @example
 * if (queue.push(handle, ref, len, 0) === 'wake') ownerPort.postMessage(0)
 * // owner, on a nudge:
 * do queue.drain((h, ref, len) => sendTo(h, pool.view(ref).subarray(0, len)))
 * while (!queue.prepareSleep())
 */
export interface WorkerQueue {
  /**
   * Declares `buffer` to be a ref of `pool` in every message: a push hands the
   * reference from the pusher's holder to the queue, a drain to the drainer's holder
   * (see BufferPool.setHolder). Binding the same pool again is a no-op; another throws.
   *
   * @example
   * core.queue(peer).carryRefs(core.buffers)
   */
  carryRefs(pool: import('./buffer_types.ts').BufferPool): void
  push(handle: number, buffer: number, len: number, flags: number): PushResult
  /** Calls `sink` for up to `max` queued messages in order; returns how many. */
  drain(sink: MessageSink, max?: number): number
  /** Owner only, after drain found nothing: true = sleep until nudged. */
  prepareSleep(): boolean
  stats(): QueueStats
  close(): void
}
