import { allocUninit } from './alloc.ts'
import { HEADER_SIZE } from './constants.ts'
import type { Header } from './header.ts'
import { lendDuring, lendReceiveBuffer, type ReceiveLease } from './lease.ts'
import { deliverInPlace, inPlaceEligible } from './in-place.ts'
import { packetFromHeader, type Packet } from './packet.ts'

/** Packets at least this big are collected into lent, reusable receive buffers. */
export const LEND_MIN_BYTES = 4096

/**
 * Collects one packet that spans stream chunks into a buffer of its exact size (the
 * one copy such a packet costs). Used by the TCP and QUIC framers; the header must have
 * passed the limits before start(), so nothing is allocated for a refused packet.
 * Packets of LEND_MIN_BYTES and more go into reusable receive buffers that are lent to
 * the packet's handler (see lease.ts); smaller ones get a fresh buffer.
 *
 * @example
 * asm.start(header, firstBytes)
 * used = asm.feed(chunk, 0, onPacket) // calls onPacket once the packet is whole
 */
export class PacketAssembler {
  #header: Header | null = null
  #body: Uint8Array | null = null
  #fill = 0
  #lease: ReceiveLease | null = null

  /** `inPlace`: offer lent packets' header bytes for in-place forwarding (in-place.ts). */
  constructor(private readonly inPlace = false) {}

  /** True while a packet is being collected. */
  get active(): boolean {
    return this.#body !== null
  }

  /** Bytes of the packet collected so far. */
  get filled(): number {
    return this.#fill
  }

  /** Begins a packet described by `h` with the bytes already received (header first). */
  start(h: Header, first: Uint8Array): void {
    const total = HEADER_SIZE + h.extLen + h.payloadLen
    this.#lease = total >= LEND_MIN_BYTES ? lendReceiveBuffer(total) : null
    const body = this.#lease ? this.#lease.bytes : allocUninit(total)
    const head = first.length > body.length ? first.subarray(0, body.length) : first
    body.set(head, 0)
    this.#header = h
    this.#body = body
    this.#fill = head.length
  }

  /**
   * Copies what the packet still needs from `chunk` starting at `from`; returns the
   * bytes consumed and calls `onPacket` when the packet is complete.
   */
  feed(chunk: Uint8Array, from: number, onPacket: (packet: Packet) => void): number {
    const body = this.#body!
    const take = Math.min(body.length - this.#fill, chunk.length - from)
    body.set(chunk.subarray(from, from + take), this.#fill)
    this.#fill += take
    if (this.#fill === body.length) {
      const h = this.#header!
      const lease = this.#lease
      this.#body = null
      this.#header = null
      this.#lease = null
      this.#fill = 0
      const packet = packetFromHeader(body, 0, h)
      if (!lease) onPacket(packet)
      else if (this.inPlace && inPlaceEligible(packet, body)) {
        lendDuring(lease, () => deliverInPlace(packet, body, 0, body.length - h.payloadLen, lease, onPacket))
      } else lendDuring(lease, () => onPacket(packet))
    }
    return take
  }
}
