import { DEFAULT_LIMITS, HEADER_SIZE, type Limits } from './constants.ts'
import { PacketAssembler } from './assembler.ts'
import { ProtocolError } from './errors.ts'
import { checkedPacketSize, readHeader } from './header.ts'
import { deliverInPlace, GC_OWNED, inPlaceEligible } from './in-place.ts'
import { COPY_SMALL_PAYLOAD, packetAt, SMALL_READ, type Packet } from './packet.ts'

/**
 * Streaming framer for TCP: turns any split of the byte stream into whole packets.
 * Packets that lie inside one chunk are handed out as views of that chunk (no copy),
 * except payloads of up to COPY_SMALL_PAYLOAD bytes and every payload of a chunk of up to
 * SMALL_READ bytes, which are cheaper to copy than to view on a fresh read buffer. A
 * packet that spans chunks is assembled once into a buffer of its exact size, which is
 * allocated only after its header passed the limits.
 *
 * After a ProtocolError the framer is poisoned: the connection must be closed.
 *
 * @example
 * const framer = new TcpFramer(DEFAULT_LIMITS)
 * socket.data = (chunk) => framer.push(chunk, (packet) => handle(packet))
 */
export class TcpFramer {
  readonly #limits: Limits
  readonly #headerBuf = new Uint8Array(HEADER_SIZE)
  #headerFill = 0
  readonly #body: PacketAssembler
  #failed: ProtocolError | null = null
  readonly #inPlace: boolean

  /**
   * `inPlace`: the chunks are the caller's to rewrite (a server's fresh read buffers), so
   * big payloads may be forwarded with their header rewritten in place (see in-place.ts).
   */
  constructor(limits: Limits = DEFAULT_LIMITS, opts: { inPlace?: boolean } = {}) {
    this.#limits = limits
    this.#inPlace = opts.inPlace === true
    this.#body = new PacketAssembler(this.#inPlace)
  }

  /** Bytes of an unfinished packet held between chunks. */
  get buffered(): number {
    return this.#headerFill + this.#body.filled
  }

  /** Feeds one chunk; calls `onPacket` for every packet completed by it. */
  push(chunk: Uint8Array, onPacket: (packet: Packet) => void): void {
    if (this.#failed) throw this.#failed
    try {
      let offset = this.#pending() ? this.#continue(chunk, onPacket) : 0
      // A small read is never viewed: its first view would copy it whole anyway.
      const copyUpTo = chunk.length <= SMALL_READ ? chunk.length : COPY_SMALL_PAYLOAD
      while (offset < chunk.length) {
        const left = chunk.length - offset
        if (left < HEADER_SIZE) {
          this.#headerBuf.set(chunk.subarray(offset), 0)
          this.#headerFill = left
          return
        }
        const total = checkedPacketSize(chunk, offset, this.#limits)
        if (left < total) {
          this.#body.start(readHeader(chunk, offset, this.#limits), chunk.subarray(offset))
          return
        }
        const packet = packetAt(chunk, offset, copyUpTo)
        if (this.#inPlace && inPlaceEligible(packet, chunk)) {
          deliverInPlace(packet, chunk, offset, total - packet.payload.length, GC_OWNED, onPacket)
        } else onPacket(packet)
        offset += total
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.#failed = err
      throw err
    }
  }

  #pending(): boolean {
    return this.#headerFill > 0 || this.#body.active
  }

  // Completes the packet carried over from earlier chunks; returns bytes consumed.
  #continue(chunk: Uint8Array, onPacket: (packet: Packet) => void): number {
    let used = 0
    if (!this.#body.active) {
      const take = Math.min(HEADER_SIZE - this.#headerFill, chunk.length)
      this.#headerBuf.set(chunk.subarray(0, take), this.#headerFill)
      this.#headerFill += take
      used = take
      if (this.#headerFill < HEADER_SIZE) return used
      const h = readHeader(this.#headerBuf, 0, this.#limits)
      this.#headerFill = 0
      this.#body.start(h, this.#headerBuf)
    }
    return used + this.#body.feed(chunk, used, onPacket)
  }
}
