import { allocUninit } from './alloc.ts'
import type { BufferOwner } from './write-queue.ts'

/**
 * Receive buffers for packets that span stream chunks, reused instead of allocated per
 * packet. A packet's buffer is *lent*: the framer offers it to whoever handles the
 * packet, and only a handler that claims it (see claimLease) promises to release it
 * when done. Unclaimed buffers are simply left to the GC, so a path that does not know
 * the lifetime of the bytes stays safe.
 *
 * When the last reference goes, the buffer's memory moves into a fresh ArrayBuffer
 * (`ArrayBuffer#transfer`) and the old one is detached: a view someone kept past the
 * handler reads as empty, never as another packet's bytes.
 */

/** Smallest and largest pooled receive buffer; bigger packets get a buffer of their own. */
const MIN_BYTES = 4096
const MAX_BYTES = 16 * 1024 * 1024
/**
 * Bytes the free lists may keep in total (per thread): enough for a few in-flight
 * multi-MiB packets; a buffer that would pass it is left to the GC instead.
 */
export const RECEIVE_POOL_BYTES = 16 * 1024 * 1024

// Size classes: four per power of two (1.25, 1.5, 1.75 and 2 times the one below), so a
// buffer wastes at most a quarter of its size. Releasing one hands the GC a new
// ArrayBuffer of its full size (see #reclaim), and the GC runs by the bytes it is told
// of, so waste costs time as well as memory: 1 MiB + 26 bytes took a 2 MiB buffer.
const sizeClass = (n: number) => {
  if (n <= MIN_BYTES) return classOfBytes(MIN_BYTES)
  const quarter = 2 ** (29 - Math.clz32(n - 1)) // a quarter of the power of two below n
  return classOfBytes(Math.ceil(n / quarter) * quarter)
}
// Class c holds 2^(c >> 2) * (5 + (c & 3)) bytes: 5, 6, 7 or 8 eighths of a power of two.
const classOfBytes = (bytes: number) => {
  const p = 29 - Math.clz32(bytes - 1) // bytes is in (2^(p+2), 2^(p+3)]
  return p * 4 + bytes / 2 ** p - 5
}
const classBytes = (c: number) => 2 ** (c >> 2) * ((c & 3) + 5)

const free: ArrayBuffer[][] = []
for (let c = 0; c <= sizeClass(MAX_BYTES); c++) free.push([])
let pooledBytes = 0

/**
 * Per-thread counters of the receive pool: buffers lent, lent again from the free
 * lists (reused), given back by their handler (released; each is detached), kept for
 * reuse (returned; not above RECEIVE_POOL_BYTES) and never claimed (abandoned).
 */
export const receivePoolStats = { lent: 0, reused: 0, released: 0, returned: 0, abandoned: 0 }

/** Bytes currently kept in the receive pool's free lists. */
export function receivePoolBytes(): number {
  return pooledBytes
}

/**
 * Received bytes on offer while a packet is delivered (see lendDuring): a lent receive
 * buffer of one packet, or the frame arena shared by many small WebSocket packets.
 *
 * @example
 * const lender: Lender = lendReceiveBuffer(total)
 * lendDuring(lender, () => deliver(packet))
 */
export interface Lender extends BufferOwner {
  /** The lent memory: views of it belong to this lender. */
  readonly buffer: ArrayBuffer
  /**
   * How a route that keeps its raw body gets it: a copy of the payload (true: the lent
   * memory is reused soon, so the packet must not point into it) or the view itself,
   * whose memory the lender then gives up (false).
   */
  readonly copyForKeepers: boolean
  /** The delivery is over; `claimed` says whether anyone claimed the packet. */
  settle(claimed: boolean): void
}

/**
 * One lent receive buffer. Refcounted like a pooled send buffer, so a write queue that
 * keeps a view of the payload (a big echo written by reference) holds it too.
 */
export class ReceiveLease implements Lender {
  #refs = 0
  #bytes: Uint8Array
  readonly copyForKeepers = false

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  /** The packet's bytes (header, ext, payload). */
  get bytes(): Uint8Array {
    return this.#bytes
  }

  get buffer(): ArrayBuffer {
    return this.#bytes.buffer as ArrayBuffer
  }

  retain(): void {
    this.#refs++
  }

  release(): void {
    // An abandoned buffer is the packet's for good: a write queue that kept a view of it
    // (taken during the handler) lets go without reclaiming it. Until the delivery is
    // settled nobody knows yet whether the packet keeps it: a write that held a view
    // for a moment during the handler must not reclaim it (settle() decides then).
    if (--this.#refs === 0 && this.#settled && !this.#abandoned) this.#reclaim()
  }

  #abandoned = false
  #settled = false

  #reclaim(): void {
    const buffer = this.#bytes.buffer as ArrayBuffer
    owners.delete(buffer)
    receivePoolStats.released++
    // Detach every view of the packet, kept or not: a body held past its handler reads
    // as empty every time, not only when its memory happens to be reused.
    const fresh = buffer.transfer()
    if (fresh.byteLength < MIN_BYTES || fresh.byteLength > MAX_BYTES) return
    if (pooledBytes + fresh.byteLength > RECEIVE_POOL_BYTES) return
    free[sizeClass(fresh.byteLength)]!.push(fresh)
    pooledBytes += fresh.byteLength
    receivePoolStats.returned++
  }

  /** After the handler ran: an unclaimed buffer is the packet's for good; forget it. */
  settle(claimed: boolean): void {
    this.#settled = true
    if (!claimed) {
      this.#abandoned = true
      owners.delete(this.#bytes.buffer as ArrayBuffer)
      receivePoolStats.abandoned++
    } else if (this.#refs === 0) this.#reclaim() // the claimer is already done with it
  }
}

// Which lender a view belongs to (by its ArrayBuffer), for writes that keep views.
const owners = new WeakMap<ArrayBuffer, BufferOwner>()

/**
 * Registers `buffer` as lent by `owner`, so leaseOf() finds it.
 *
 * @example
 * registerLent(arena.buffer, arena)
 */
export function registerLent(buffer: ArrayBuffer, owner: BufferOwner): void {
  owners.set(buffer, owner)
}

/**
 * Drops every buffer kept for reuse (the GC frees them), e.g. after a burst of big
 * packets when memory matters more than the next allocation.
 *
 * @example
 * dropReceivePool()
 */
export function dropReceivePool(): void {
  for (const list of free) list.length = 0
  pooledBytes = 0
}

/**
 * A receive buffer of exactly `n` bytes for a packet that spans chunks: reused from the
 * pool when one of its size class is free.
 *
 * @example
 * const lease = lendReceiveBuffer(total)
 * lease.bytes.set(firstChunkBytes)
 */
export function lendReceiveBuffer(n: number): ReceiveLease {
  receivePoolStats.lent++
  const c = n <= MAX_BYTES ? sizeClass(n) : -1
  let buffer = c >= 0 ? free[c]!.pop() : undefined
  if (buffer) {
    pooledBytes -= buffer.byteLength
    receivePoolStats.reused++
  } else {
    buffer = allocUninit(c >= 0 ? classBytes(c) : n).buffer as ArrayBuffer
  }
  const lease = new ReceiveLease(new Uint8Array(buffer, 0, n))
  owners.set(buffer, lease)
  return lease
}

/**
 * The lease a view of received bytes belongs to, if any: a write that keeps the view
 * past this call retains it.
 *
 * @example
 * conn.writeParts(head, payload, leaseOf(payload))
 */
export function leaseOf(view: Uint8Array): BufferOwner | undefined {
  return owners.get(view.buffer as ArrayBuffer)
}

let offered: Lender | null = null

/**
 * Runs `deliver` with `lease` on offer: a handler that knows when it is done with the
 * packet calls claimLease() during `deliver` and releases the lease afterwards.
 */
export function lendDuring(lease: Lender, deliver: () => void): void {
  const outer = beginLend(lease)
  try {
    deliver()
  } finally {
    endLend(outer, lease)
  }
}

/**
 * lendDuring without a closure, for per-packet paths: `const outer = beginLend(l)`,
 * deliver, then `endLend(outer, l)` (in a finally).
 *
 * @example
 * const outer = beginLend(lender)
 * try { deliver(packet) } finally { endLend(outer, lender) }
 */
export function beginLend(lease: Lender): Lender | null {
  const outer = offered
  offered = lease
  return outer
}

/**
 * Ends the offer begun by beginLend(); the lender learns whether anyone claimed it.
 *
 * @example
 * endLend(outer, lender)
 */
export function endLend(outer: Lender | null, lease: Lender): void {
  // A claim takes the lease off offer.
  const taken = offered !== lease
  offered = outer
  lease.settle(taken)
}

/**
 * Takes the lease of `payload`'s bytes if they are on offer right now (the packet being
 * delivered was collected into lent memory), else null: a view of a socket chunk or a
 * copy needs no release. The caller must release() the lease once nothing reads the
 * packet's views any more.
 *
 * @example
 * const lease = claimLease(packet.payload)
 * try { handle(packet) } finally { lease?.release() }
 */
export function claimLease(payload: Uint8Array): BufferOwner | null {
  const lease = offered
  if (!lease || payload.buffer !== lease.buffer) return null
  offered = null
  lease.retain() // the claimer's reference
  return lease
}

/**
 * For a route that keeps its raw body: when the payload is on offer from a lender that
 * reuses its memory soon, the packet gets its own copy and the lease is claimed (the
 * caller releases it after the handler, as with claimLease). Otherwise null, and the
 * payload view is the packet's to keep.
 *
 * @example
 * const lease = route.lends ? claimLease(packet.payload) : ownPayload(packet)
 */
export function ownPayload(packet: { payload: Uint8Array }): BufferOwner | null {
  const lease = offered
  if (!lease || !lease.copyForKeepers || packet.payload.buffer !== lease.buffer) return null
  packet.payload = packet.payload.slice()
  offered = null
  lease.retain() // the claimer's reference
  return lease
}
