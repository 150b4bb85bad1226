import type { BufferOwner } from '../protocol/index.ts'

const EMPTY = new Uint8Array(0)

/**
 * Packets written by reference that lie back to back in one buffer, held while a
 * connection is corked and written with one socket write. Big packets forwarded in
 * place (see protocol/in-place.ts) are exactly that: an echo of four 64 KiB packets
 * that arrived in one read rewrites four headers in that read buffer, and the four
 * packets leave in one write of the whole range, with no copy (like a raw echo), instead
 * of four writes.
 *
 * The run retains its owner from the first packet until take() hands it on.
 *
 * @example
 * if (!run.extend(packet, owner)) { flush(run.take()); run.start(packet, owner) }
 */
export class RefRun {
  #bytes: Uint8Array = EMPTY
  #owner: BufferOwner | null = null

  /** Bytes held. */
  get length(): number {
    return this.#bytes.length
  }

  /** Appends `packet` when it starts where the run ends, in the same buffer, with the same owner. */
  extend(packet: Uint8Array, owner: BufferOwner): boolean {
    const run = this.#bytes
    if (this.#owner !== owner || run.buffer !== packet.buffer || run.byteOffset + run.length !== packet.byteOffset) {
      return false
    }
    this.#bytes = new Uint8Array(run.buffer, run.byteOffset, run.length + packet.length)
    return true
  }

  /** Starts a run with `packet` (the run must be empty). */
  start(packet: Uint8Array, owner: BufferOwner): void {
    owner.retain()
    this.#bytes = packet
    this.#owner = owner
  }

  /**
   * Empties the run: its bytes and their owner, whose reference passes to the caller
   * (release it once the bytes are written or queued with their own reference). Null
   * when empty.
   */
  take(): { bytes: Uint8Array; owner: BufferOwner } | null {
    const owner = this.#owner
    if (!owner) return null
    const bytes = this.#bytes
    this.#bytes = EMPTY
    this.#owner = null
    return { bytes, owner }
  }
}
