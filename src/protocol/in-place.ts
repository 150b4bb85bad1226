import type { Packet } from './packet.ts'
import type { BufferOwner } from './write-queue.ts'

/**
 * Forwarding a big received payload without copying it. A packet the server received
 * sits in memory it owns (Bun's fresh read buffer, or a lent receive buffer) with its
 * own header and ext right before the payload. When a handler sends that payload on (an
 * echo, a relay to another session) with a header of the same length, the new header
 * is written over the old one and the whole packet goes out by reference: no copy of
 * the payload in user space. Offered only while the packet's handler runs synchronously,
 * only for payloads of IN_PLACE_MIN_PAYLOAD and more, only when the packet's ext is not
 * a view of those bytes (an interned route tag), and taken at most once, so a second
 * send of the same payload (or one queued behind it) is encoded as usual.
 *
 * @example
 * const slot = payload.length >= IN_PLACE_MIN_PAYLOAD ? takeInPlace(payload, headLen) : null
 */
export const IN_PLACE_MIN_PAYLOAD = 16 * 1024

const EMPTY = new Uint8Array(0)

/**
 * Owner of memory the GC keeps alive for as long as a view of it is queued (a read
 * buffer): retain and release do nothing.
 *
 * @example
 * conn.write(chunk.subarray(start, end), GC_OWNED)
 */
export const GC_OWNED: BufferOwner = { retain() {}, release() {} }

/**
 * Where an offered packet's header starts, and who owns its bytes.
 *
 * @example
 * const slot = takeInPlace(payload, HEADER_SIZE + ext.length)
 * if (slot) conn.write(slot.bytes.subarray(slot.start, slot.start + size), slot.owner)
 */
export interface InPlaceSlot {
  bytes: Uint8Array
  start: number
  owner: BufferOwner
}

const offer = { payload: null as Uint8Array | null, headLen: 0, slot: { bytes: EMPTY, start: 0, owner: GC_OWNED } as InPlaceSlot }

/**
 * Offers the header bytes in front of `payload` (`headLen` bytes from `start` in `bytes`)
 * while its packet is delivered; endInPlace() withdraws the offer.
 *
 * @example
 * offerInPlace(packet.payload, chunk, offset, total - packet.payload.length, GC_OWNED)
 * try { deliver(packet) } finally { endInPlace(packet.payload) }
 */
export function offerInPlace(payload: Uint8Array, bytes: Uint8Array, start: number, headLen: number, owner: BufferOwner): void {
  offer.payload = payload
  offer.headLen = headLen
  offer.slot.bytes = bytes
  offer.slot.start = start
  offer.slot.owner = owner
}

/**
 * Withdraws the offer for `payload` if it is still open.
 *
 * @example
 * endInPlace(packet.payload) // after the handler returned
 */
export function endInPlace(payload: Uint8Array): void {
  if (offer.payload === payload) {
    offer.payload = null
    offer.slot.bytes = EMPTY
  }
}

/**
 * Takes the header slot in front of `payload` if it is on offer and `headLen` bytes
 * long; null otherwise. The caller writes the new header there and sends
 * `bytes.subarray(start, start + headLen + payload.length)` with `owner`.
 *
 * @example
 * const slot = takeInPlace(payload, HEADER_SIZE + ext.length) // null: encode as usual
 */
export function takeInPlace(payload: Uint8Array, headLen: number): InPlaceSlot | null {
  if (offer.payload !== payload || offer.headLen !== headLen) return null
  offer.payload = null
  return offer.slot
}

/**
 * Whether `packet`, decoded from `bytes`, may have its header rewritten in place: a
 * payload of IN_PLACE_MIN_PAYLOAD bytes or more, and an ext that is not a view of
 * `bytes` (an interned route tag, or a copy), so the rewrite changes nothing a handler
 * holds.
 *
 * @example
 * if (inPlace && inPlaceEligible(packet, chunk)) deliverInPlace(packet, chunk, ...)
 */
export function inPlaceEligible(packet: Packet, bytes: Uint8Array): boolean {
  return packet.payload.length >= IN_PLACE_MIN_PAYLOAD && packet.ext.buffer !== bytes.buffer
}

/**
 * Delivers `packet` with the header bytes in front of its payload on offer.
 *
 * @example
 * deliverInPlace(packet, chunk, offset, total - packet.payload.length, GC_OWNED, onPacket)
 */
export function deliverInPlace(
  packet: Packet,
  bytes: Uint8Array,
  start: number,
  headLen: number,
  owner: BufferOwner,
  onPacket: (packet: Packet) => void,
): void {
  offerInPlace(packet.payload, bytes, start, headLen, owner)
  try {
    onPacket(packet)
  } finally {
    endInPlace(packet.payload)
  }
}
