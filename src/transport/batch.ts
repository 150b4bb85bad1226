import { allocUninit } from '../protocol/index.ts'
/**
 * Write batching ("cork"): small packets written to one connection during one
 * event-loop turn are copied into one buffer and handed to the socket in a single
 * write when the turn's microtasks run, instead of one syscall per packet.
 */

/** Largest batch; a packet at least this big is written on its own. */
export const DEFAULT_BATCH_BYTES = 64 * 1024

/** What a batch flushes into. */
export interface BatchSink {
  /** Writes the batched bytes; returns true when the sink kept a reference to them. */
  flushBatch(bytes: Uint8Array): boolean
}

/**
 * One connection's pending batch.
 *
 * @example
 * const batch = new WriteBatch(conn, 64 * 1024)
 * if (!batch.add(packet)) conn.writeNow(packet)
 */
export class WriteBatch {
  #buf: Uint8Array | null = null
  #len = 0

  constructor(
    private readonly sink: BatchSink,
    readonly capacity: number = DEFAULT_BATCH_BYTES,
  ) {}

  /** Bytes waiting for the end of the turn. */
  get length(): number {
    return this.#len
  }

  /** Copies `packet` into the batch; false when it is too big to batch. */
  add(packet: Uint8Array): boolean {
    if (packet.length >= this.capacity) return false
    if (this.#len + packet.length > this.capacity) this.flush()
    this.#buf ??= allocUninit(this.capacity)
    this.#buf.set(packet, this.#len)
    if (this.#len === 0) scheduleFlush(this)
    this.#len += packet.length
    return true
  }

  /**
   * Space for an `n`-byte packet at the end of the batch, for encoding in place (no
   * intermediate buffer): write at `offset`, then call commit(n). Null when `n` is
   * too big to batch.
   */
  reserve(n: number): { bytes: Uint8Array; offset: number } | null {
    if (n >= this.capacity) return null
    if (this.#len + n > this.capacity) this.flush()
    this.#buf ??= allocUninit(this.capacity)
    this.#slot.bytes = this.#buf
    this.#slot.offset = this.#len
    return this.#slot
  }

  /** Completes a reserve(): the `n` bytes written at the returned offset are batched. */
  commit(n: number): void {
    if (this.#len === 0) scheduleFlush(this)
    this.#len += n
  }

  readonly #slot: { bytes: Uint8Array; offset: number } = { bytes: EMPTY, offset: 0 }

  /** Writes what is batched now (also called when the turn ends). */
  flush(): void {
    if (this.#len === 0 || !this.#buf) return
    const bytes = this.#buf.subarray(0, this.#len)
    this.#len = 0
    // The sink kept a view (partial write): the next batch needs a fresh buffer.
    if (this.sink.flushBatch(bytes)) this.#buf = null
  }

  /** Forgets batched bytes. */
  clear(): void {
    this.#len = 0
  }

  /** Hands out the batched bytes without the sink and empties the batch. */
  take(): Uint8Array | null {
    if (this.#len === 0 || !this.#buf) return null
    const bytes = this.#buf.subarray(0, this.#len)
    this.#len = 0
    this.#buf = null
    return bytes
  }
}

const EMPTY = new Uint8Array(0)
let dirty: WriteBatch[] = []
let scheduled = false

function scheduleFlush(batch: WriteBatch): void {
  dirty.push(batch)
  if (scheduled) return
  scheduled = true
  queueMicrotask(flushAll)
}

function flushAll(): void {
  scheduled = false
  const list = dirty
  dirty = []
  for (const b of list) b.flush()
}
