/** What a send did with the bytes: written now, buffered for later, or refused. */
export type SendResult = 'sent' | 'queued' | 'dropped'

/** A byte sink that may take only part of a write (Bun TCP sockets behave this way). */
export interface PartialSink {
  /** Writes what it can; returns the number of bytes taken (0..length), or -1 if closed. */
  write(bytes: Uint8Array): number
}

/**
 * Outbound queue for a stream socket: keeps whatever `write()` did not take, in order,
 * and flushes it on drain. Bounded by `maxBytes`; a push that would pass the bound is
 * refused ('dropped') and `overflowed` becomes true so the owner can close the peer.
 *
 * @example
 * const q = new WriteQueue(socket, 8 << 20)
 * q.push(packet) // 'sent' | 'queued' | 'dropped'
 * // in the socket's drain handler:
 * q.flush()
 */
export class WriteQueue {
  #chunks: Uint8Array[] = []
  #head = 0
  #bytes = 0
  overflowed = false

  constructor(
    private readonly sink: PartialSink,
    private readonly maxBytes: number,
  ) {}

  /** Bytes accepted but not yet taken by the socket. */
  get bufferedAmount(): number {
    return this.#bytes
  }

  /** Writes now if nothing is queued, otherwise queues behind earlier bytes. */
  push(bytes: Uint8Array): SendResult {
    if (this.#bytes > 0) return this.#enqueue(bytes)
    const n = this.sink.write(bytes)
    if (n < 0) return 'dropped'
    if (n === bytes.length) return 'sent'
    return this.#enqueue(bytes.subarray(n))
  }

  /** Flushes queued bytes; returns true when the queue is empty afterwards. */
  flush(): boolean {
    while (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head]!
      const n = this.sink.write(chunk)
      if (n < 0) return false
      this.#bytes -= Math.max(n, 0)
      if (n < chunk.length) {
        this.#chunks[this.#head] = chunk.subarray(n)
        return false
      }
      this.#chunks[this.#head++] = EMPTY
    }
    this.#chunks = []
    this.#head = 0
    return true
  }

  /** Drops everything queued (on close). */
  clear(): void {
    this.#chunks = []
    this.#head = 0
    this.#bytes = 0
  }

  #enqueue(bytes: Uint8Array): SendResult {
    if (this.#bytes + bytes.length > this.maxBytes) {
      this.overflowed = true
      return 'dropped'
    }
    this.#chunks.push(bytes)
    this.#bytes += bytes.length
    return 'queued'
  }
}

const EMPTY = new Uint8Array(0)
