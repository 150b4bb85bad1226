/** One operation held while offline. */
export interface QueuedOp {
  /** Runs the operation on the new connection. */
  run(): void
  /** Ends the operation without running it (queue closed or full). */
  drop(reason: Error): void
}

/**
 * A bounded FIFO of sends and requests made while a reconnecting client is offline.
 * Past `capacity` new operations are refused (the caller sees 'dropped' or a rejected
 * request), never silently lost.
 */
export class OfflineQueue {
  readonly #ops: QueuedOp[] = []

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('msgtrans: offline queue capacity')
  }

  get size(): number {
    return this.#ops.length
  }

  /** Adds an operation; false when the queue is full. */
  push(op: QueuedOp): boolean {
    if (this.#ops.length >= this.capacity) return false
    this.#ops.push(op)
    return true
  }

  /** Removes one operation (a request that timed out while queued). */
  remove(op: QueuedOp): void {
    const i = this.#ops.indexOf(op)
    if (i >= 0) this.#ops.splice(i, 1)
  }

  /** Runs every queued operation in order. */
  flush(): void {
    for (const op of this.#ops.splice(0)) op.run()
  }

  /** Drops every queued operation with `reason`. */
  clear(reason: Error): void {
    for (const op of this.#ops.splice(0)) op.drop(reason)
  }
}
