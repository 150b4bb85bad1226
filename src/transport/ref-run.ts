import type { BufferOwner } from '../protocol/index.ts'

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
  // The run is [#start, #end) of #buffer; its view is made once, by take().
  #buffer: ArrayBufferLike | null = null
  #start = 0
  #end = 0
  #owner: BufferOwner | null = null

  /** Bytes held. */
  get length(): number {
    return this.#end - this.#start
  }

  /** Appends `packet` when it starts where the run ends, in the same buffer, with the same owner. */
  extend(packet: Uint8Array, owner: BufferOwner): boolean {
    if (this.#owner !== owner || packet.byteOffset !== this.#end || packet.buffer !== this.#buffer) return false
    this.#end += packet.length
    return true
  }

  /** Starts a run with `packet` (the run must be empty). */
  start(packet: Uint8Array, owner: BufferOwner): void {
    owner.retain()
    this.#buffer = packet.buffer
    this.#start = packet.byteOffset
    this.#end = packet.byteOffset + packet.length
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
    const bytes = new Uint8Array(this.#buffer!, this.#start, this.#end - this.#start)
    this.#buffer = null
    this.#start = this.#end = 0
    this.#owner = null
    return { bytes, owner }
  }
}
