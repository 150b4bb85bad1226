import { DEFAULT_LIMITS, HEADER_SIZE, type Limits } from './constants.ts'
import { ProtocolError } from './errors.ts'
import { readHeader, type Header } from './header.ts'
import { PacketAssembler } from './assembler.ts'
import { packetFromHeader, type Packet } from './packet.ts'
import type { SendResult } from './write-queue.ts'

/** Size of the u32 big-endian length that prefixes every packet on a QUIC stream. */
export const QUIC_PREFIX_SIZE = 4
const STAGE = QUIC_PREFIX_SIZE + HEADER_SIZE

/** Largest frame (prefix value) the limits allow: header + max ext + max payload. */
export function maxQuicFrame(limits: Limits): number {
  return HEADER_SIZE + limits.maxExtHeader + limits.maxPayload
}

/** The 4-byte length prefix for a packet of `size` bytes. */
export function quicPrefix(size: number): Uint8Array {
  const p = new Uint8Array(QUIC_PREFIX_SIZE)
  new DataView(p.buffer).setUint32(0, size)
  return p
}

/**
 * Streaming framer for the msgtrans QUIC mapping (1.0.3+): every packet on the one
 * bidirectional stream is prefixed by its length as a u32 big-endian. The prefix and
 * the v1 header must agree (prefix = 16 + ext + payload). An oversize prefix is
 * refused before anything is allocated; packets inside one chunk are handed out as
 * views, a packet spanning chunks is assembled once at its exact size.
 *
 * After a ProtocolError the framer is poisoned: the connection must be closed.
 *
 * @example
 * const framer = new QuicFramer(DEFAULT_LIMITS)
 * for await (const chunks of stream) for (const c of chunks) framer.push(c, onPacket)
 */
export class QuicFramer {
  readonly #limits: Limits
  readonly #maxFrame: number
  readonly #stage = new Uint8Array(STAGE)
  #stageFill = 0
  readonly #body = new PacketAssembler()
  #failed: ProtocolError | null = null

  constructor(limits: Limits = DEFAULT_LIMITS) {
    this.#limits = limits
    this.#maxFrame = maxQuicFrame(limits)
  }

  /** Bytes of an unfinished frame held between chunks. */
  get buffered(): number {
    return this.#body.active ? this.#body.filled + QUIC_PREFIX_SIZE : this.#stageFill
  }

  /** Feeds one chunk; calls `onPacket` for every packet completed by it. */
  push(chunk: Uint8Array, onPacket: (packet: Packet) => void): void {
    if (this.#failed) throw this.#failed
    try {
      let offset = this.#body.active || this.#stageFill > 0 ? this.#continue(chunk, onPacket) : 0
      while (offset < chunk.length) {
        const left = chunk.length - offset
        if (left < STAGE) {
          this.#stage.set(chunk.subarray(offset), 0)
          this.#stageFill = left
          return
        }
        const h = this.#frameHeader(chunk, offset)
        const total = HEADER_SIZE + h.extLen + h.payloadLen
        if (left - QUIC_PREFIX_SIZE < total) {
          this.#body.start(h, chunk.subarray(offset + QUIC_PREFIX_SIZE))
          return
        }
        onPacket(packetFromHeader(chunk, offset + QUIC_PREFIX_SIZE, h))
        offset += QUIC_PREFIX_SIZE + total
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.#failed = err
      throw err
    }
  }

  /** Reads and checks prefix + header at `offset` (20 bytes available). */
  #frameHeader(buf: Uint8Array, offset: number): Header {
    const view = new DataView(buf.buffer, buf.byteOffset + offset, QUIC_PREFIX_SIZE)
    const prefix = view.getUint32(0)
    if (prefix > this.#maxFrame) {
      throw new ProtocolError('E_PAYLOAD_TOO_LARGE', `frame length ${prefix} > limit ${this.#maxFrame}`)
    }
    if (prefix < HEADER_SIZE) {
      throw new ProtocolError('E_FRAME_MISMATCH', `frame length ${prefix} is shorter than the header`)
    }
    const h = readHeader(buf, offset + QUIC_PREFIX_SIZE, this.#limits)
    const total = HEADER_SIZE + h.extLen + h.payloadLen
    if (total !== prefix) {
      throw new ProtocolError('E_FRAME_MISMATCH', `frame length ${prefix} != packet size ${total}`)
    }
    return h
  }

  // Completes the frame carried over from earlier chunks; returns bytes consumed.
  #continue(chunk: Uint8Array, onPacket: (packet: Packet) => void): number {
    let used = 0
    if (!this.#body.active) {
      const take = Math.min(STAGE - this.#stageFill, chunk.length)
      this.#stage.set(chunk.subarray(0, take), this.#stageFill)
      this.#stageFill += take
      used = take
      if (this.#stageFill < STAGE) return used
      const h = this.#frameHeader(this.#stage, 0)
      this.#stageFill = 0
      this.#body.start(h, this.#stage.subarray(QUIC_PREFIX_SIZE))
    }
    return used + this.#body.feed(chunk, used, onPacket)
  }
}

/** What a QUIC stream writer offers: all-or-nothing vectored writes plus a drain signal. */
export interface FrameSink {
  /** Takes all chunks or none (false when flow-controlled or closed). */
  writevSync(chunks: Uint8Array[]): boolean
  /**
   * A promise settled when the sink can take more, or null when it can now.
   * Throws (or rejects) once the sink is closed, which ends the queue.
   */
  drained(): Promise<unknown> | null
}

/**
 * Outbound queue of length-prefixed packets for one QUIC stream. Writes go straight
 * to the sink while it has capacity ('sent'); otherwise they wait, in order, for its
 * drain signal ('queued'), up to `maxBytes`; past that a write is refused ('dropped')
 * and `overflowed` is set so the owner can close the slow peer.
 *
 * @example
 * const q = new QuicWriteQueue(sink, 8 << 20)
 * q.push(encodePacket({ payload })) // 'sent' | 'queued' | 'dropped'
 */
export class QuicWriteQueue {
  #queue: Uint8Array[] = []
  #head = 0
  #bytes = 0
  #pumping = false
  #dead = false
  overflowed = false
  /** Called whenever the queue becomes empty after having been non-empty. */
  onEmpty: (() => void) | undefined

  constructor(
    private readonly sink: FrameSink,
    private readonly maxBytes: number,
  ) {}

  /** Bytes (prefixes included) accepted but not yet taken by the stream. */
  get bufferedAmount(): number {
    return this.#bytes
  }

  /** Frames and writes one encoded packet. */
  push(packet: Uint8Array): SendResult {
    if (this.#dead) return 'dropped'
    const prefix = quicPrefix(packet.length)
    if (this.#bytes === 0 && this.sink.writevSync([prefix, packet])) return 'sent'
    const size = QUIC_PREFIX_SIZE + packet.length
    if (this.#bytes + size > this.maxBytes) {
      this.overflowed = true
      return 'dropped'
    }
    this.#queue.push(prefix, packet)
    this.#bytes += size
    if (!this.#pumping) void this.#pump()
    return 'queued'
  }

  /** Drops everything queued and refuses further writes (stream gone). */
  clear(): void {
    this.#dead = true
    this.#queue = []
    this.#head = 0
    this.#bytes = 0
  }

  async #pump(): Promise<void> {
    this.#pumping = true
    try {
      while (this.#head < this.#queue.length && !this.#dead) {
        const pair = [this.#queue[this.#head]!, this.#queue[this.#head + 1]!]
        if (this.sink.writevSync(pair)) {
          this.#queue[this.#head] = this.#queue[this.#head + 1] = EMPTY
          this.#head += 2
          this.#bytes -= pair[0]!.length + pair[1]!.length
          continue
        }
        const wait = this.sink.drained()
        if (!wait) throw new Error('stream refused a write while reporting capacity')
        await wait
      }
    } catch {
      this.clear()
    } finally {
      this.#pumping = false
    }
    if (this.#dead) return
    this.#queue = []
    this.#head = 0
    this.onEmpty?.()
  }
}

const EMPTY = new Uint8Array(0)
