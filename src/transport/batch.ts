import type { BufferOwner } from '../protocol/index.ts'
import { heapBuffers, type OutboundBuffer, type OutboundBuffers } from './buffers.ts'
/**
 * Write batching ("cork"): small packets written to one connection during one
 * event-loop turn are copied into one buffer and handed to the socket in a single
 * write when the turn's microtasks run, instead of one syscall per packet.
 *
 * The batch buffer is borrowed from a pool on first use and reused for the next turns
 * while the connection is busy; it goes back when a write queue kept part of it (the
 * queue holds its own reference) or when the connection stays idle for a sweep
 * interval, so idle connections hold no buffer.
 */

/** Largest batch; a packet at least this big is written on its own. */
export const DEFAULT_BATCH_BYTES = 64 * 1024

/** What a batch flushes into. */
export interface BatchSink {
  /**
   * Writes the batched bytes. A sink that keeps a view of them retains `owner` and
   * returns true (the batch then takes a fresh buffer next time).
   */
  flushBatch(bytes: Uint8Array, owner: BufferOwner): boolean
}

/**
 * One connection's pending batch.
 *
 * @example
 * const batch = new WriteBatch(conn, 64 * 1024)
 * if (!batch.add(packet)) conn.writeNow(packet)
 */
export class WriteBatch {
  #lease: OutboundBuffer | null = null
  #len = 0

  constructor(
    private readonly sink: BatchSink,
    readonly capacity: number = DEFAULT_BATCH_BYTES,
    private readonly buffers: OutboundBuffers = heapBuffers,
  ) {}

  /** Bytes waiting for the end of the turn. */
  get length(): number {
    return this.#len
  }

  /** Copies `packet` into the batch; false when it is too big to batch. */
  add(packet: Uint8Array): boolean {
    if (packet.length >= this.capacity) return false
    if (this.#len + packet.length > this.capacity) this.flush()
    this.#borrow().set(packet, this.#len)
    if (this.#len === 0 && !this.#held) scheduleFlush(this)
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
    this.#slot.bytes = this.#borrow()
    this.#slot.offset = this.#len
    return this.#slot
  }

  /** Completes a reserve(): the `n` bytes written at the returned offset are batched. */
  commit(n: number): void {
    if (this.#len === 0 && !this.#held) scheduleFlush(this)
    this.#len += n
  }

  readonly #slot: { bytes: Uint8Array; offset: number } = { bytes: EMPTY, offset: 0 }

  /**
   * Leaves the end-of-turn flush to the caller until uncork(): a socket's data callback
   * corks around its handlers and uncorks (flushes) right after, with no microtask per
   * read. Returns false when already corked (then the outer caller uncorks).
   */
  cork(): boolean {
    if (this.#held) return false
    this.#held = true
    return true
  }

  /** True between cork() and uncork(). */
  get corked(): boolean {
    return this.#held
  }

  /** Ends cork() and writes what was batched. */
  uncork(): void {
    this.#held = false
    this.flush()
  }
  #held = false

  /** Writes what is batched now (also called when the turn ends). */
  flush(): void {
    const len = this.#len
    if (len === 0) return
    const lease = this.#lease!
    this.#len = 0
    this.idle = false
    // The sink kept a view (partial write) and holds its own reference: let ours go.
    if (this.sink.flushBatch(lease.bytes.subarray(0, len), lease)) this.clear()
  }

  /** Forgets batched bytes and gives the buffer back. */
  clear(): void {
    this.#len = 0
    const lease = this.#lease
    if (!lease) return
    this.#lease = null
    holding.delete(this)
    lease.release()
  }

  /** Set by the idle sweep, cleared by a flush: two sweeps in a row return the buffer. */
  idle = false

  /** Hands out a copy of the batched bytes without the sink and empties the batch. */
  take(): Uint8Array | null {
    const bytes = this.#lease && this.#len > 0 ? this.#lease.bytes.slice(0, this.#len) : null
    this.clear()
    return bytes
  }

  // The batch buffer, borrowed on first use (from the heap when the pool is dry).
  #borrow(): Uint8Array {
    if (this.#lease) return this.#lease.bytes
    this.#lease = this.buffers.acquire(this.capacity) ?? heapBuffers.acquire(this.capacity)!
    holding.add(this)
    sweepSoon()
    return this.#lease.bytes
  }
}

/** A batch buffer unused for this long (at most twice this) goes back to the pool. */
export const IDLE_RETURN_MS = 1000

// Batches holding a buffer, swept by one unref'd timer while there are any.
const holding = new Set<WriteBatch>()
let sweeper: ReturnType<typeof setInterval> | null = null

function sweepSoon(): void {
  if (sweeper) return
  sweeper = setInterval(sweepIdle, IDLE_RETURN_MS)
  ;(sweeper as { unref?: () => void }).unref?.()
}

function sweepIdle(): void {
  for (const b of holding) {
    if (b.length > 0) continue
    if (b.idle) b.clear()
    else b.idle = true
  }
  if (holding.size === 0 && sweeper) {
    clearInterval(sweeper)
    sweeper = null
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
