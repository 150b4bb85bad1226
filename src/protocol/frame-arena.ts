import { allocUninit } from './alloc.ts'
import { DEFAULT_LIMITS, HEADER_SIZE, type Limits } from './constants.ts'
import { checkedPacketSize } from './header.ts'
import { registerLent, type Lender } from './lease.ts'
import { COPY_SMALL_PAYLOAD, decodePacket, packetAt, type Packet } from './packet.ts'

/**
 * Where a server copies WebSocket frames of a few hundred bytes to a few KiB on arrival.
 *
 * A frame from Bun.serve is a fresh buffer, and the first view of it makes the engine
 * give it an ArrayBuffer of its own: that cost 15–25% of a raw 1 KiB WebSocket echo
 * (docs/benchmarks.md). Copying the frame into an arena that already has one, and
 * viewing the copy, costs a memcpy.
 *
 * The arena is lent to the packet's handler like a receive buffer (see lease.ts). Once
 * it is full and every claim on it is released, its memory moves to a fresh ArrayBuffer
 * (`ArrayBuffer#transfer`) and is filled again: a view someone kept past the handler
 * reads as empty, never as another packet's bytes. A packet that nobody claimed (no
 * route, a response, a hook that returned early) may be kept by anyone, so its arena is
 * never reused; the GC frees it with the last view. A route that keeps its raw body
 * gets a copy of the payload (see ownPayload).
 */
const ARENA_BYTES = 64 * 1024
/**
 * Frames up to this size are copied into the arena; bigger ones are viewed in place.
 *
 * @example
 * if (frame.length <= ARENA_MAX_FRAME) expect(frameLender()).not.toBeNull()
 */
export const ARENA_MAX_FRAME = 4 * 1024
/** Recycled arenas kept for reuse (per thread). */
const SPARES = 4

/**
 * Per-thread counters: arenas allocated, recycled for reuse, and given up to the GC
 * (escaped: an unclaimed packet may still be read, so its arena is never reused).
 *
 * @example
 * const { recycled, escaped } = frameArenaStats
 */
export const frameArenaStats = { allocated: 0, recycled: 0, escaped: 0 }

class FrameArena implements Lender {
  bytes: Uint8Array
  /** bytes.buffer, kept: claimLease compares it for every packet of the arena. */
  buffer: ArrayBuffer
  used = 0
  readonly copyForKeepers = true
  #refs = 0
  #full = false
  #escaped = false

  constructor() {
    this.bytes = allocUninit(ARENA_BYTES)
    this.buffer = this.bytes.buffer as ArrayBuffer
    registerLent(this.buffer, this)
    frameArenaStats.allocated++
  }

  retain(): void {
    this.#refs++
  }

  release(): void {
    if (--this.#refs === 0 && this.#full) this.#recycle()
  }

  settle(claimed: boolean): void {
    if (!claimed && !this.#escaped) {
      this.#escaped = true
      frameArenaStats.escaped++
    }
  }

  /** No more frames fit: reuse the memory once nothing holds a claim on it. */
  retire(): void {
    this.#full = true
    if (this.#refs === 0) this.#recycle()
  }

  #recycle(): void {
    if (this.#escaped || spares.length >= SPARES) return
    const fresh = this.buffer.transfer()
    this.bytes = new Uint8Array(fresh)
    this.buffer = fresh
    registerLent(fresh, this)
    this.used = 0
    this.#full = false
    spares.push(this)
    frameArenaStats.recycled++
  }
}

const spares: FrameArena[] = []
let current: FrameArena | null = null
let lastLender: FrameArena | null = null

// Copies `frame` into the current arena (starting a new one when it is full) and
// returns the copy's offset there.
function stash(frame: Uint8Array): number {
  let arena = current
  if (!arena || arena.used + frame.length > ARENA_BYTES) {
    arena?.retire()
    arena = current = spares.pop() ?? new FrameArena()
  }
  const at = arena.used
  arena.bytes.set(frame, at)
  // 8-byte steps keep every copy aligned.
  arena.used = (at + frame.length + 7) & ~7
  return at
}

/**
 * decodePacket for a server's WebSocket frame, which the caller does not touch again.
 * Frames of up to ARENA_MAX_FRAME bytes with more than COPY_SMALL_PAYLOAD bytes of
 * payload are copied into the frame arena and the packet views the copy: deliver such a
 * packet with its lender on offer (`frameLender()`, see beginLend/endLend in lease.ts).
 * Other frames decode as decodePacket does.
 *
 * @example
 * const packet = decodeFrame(message, limits)
 * const lender = frameLender()
 * if (!lender) return deliver(packet)
 * const outer = beginLend(lender)
 * try { deliver(packet) } finally { endLend(outer, lender) }
 */
export function decodeFrame(frame: Uint8Array, limits: Limits = DEFAULT_LIMITS): Packet {
  lastLender = null
  if (frame.length > ARENA_MAX_FRAME || frame.length < HEADER_SIZE) return decodePacket(frame, limits)
  const total = checkedPacketSize(frame, 0, limits)
  const payloadLen = total - HEADER_SIZE - ((frame[8]! << 8) | frame[9]!)
  if (frame.length !== total || payloadLen <= COPY_SMALL_PAYLOAD) return decodePacket(frame, limits)
  const at = stash(frame)
  lastLender = current
  return packetAt(current!.bytes, at)
}

/**
 * The arena the last decodeFrame() copied its frame into, or null when it did not.
 *
 * @example
 * const packet = decodeFrame(message)
 * const lender = frameLender() // deliver with beginLend(lender) ... endLend(outer, lender)
 */
export function frameLender(): Lender | null {
  return lastLender
}
