/** What a send did with the bytes: written now, buffered for later, or refused. */
export type SendResult = 'sent' | 'queued' | 'dropped'

/**
 * Keeps a shared buffer alive while a queue still points into it (a pooled packet
 * written to many sessions): retain when the bytes are queued, release once written.
 */
export interface BufferOwner {
  retain(): void
  release(): void
}

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
  #owners: Array<BufferOwner | undefined> = []
  #head = 0
  #bytes = 0
  overflowed = false

  constructor(
    private readonly sink: PartialSink,
    readonly maxBytes: number,
  ) {}

  /** Bytes accepted but not yet taken by the socket. */
  get bufferedAmount(): number {
    return this.#bytes
  }

  /**
   * Writes now if nothing is queued, otherwise queues behind earlier bytes. When the
   * bytes belong to a shared buffer, `owner` is retained for as long as they are queued.
   */
  push(bytes: Uint8Array, owner?: BufferOwner): SendResult {
    if (this.#bytes > 0) return this.#enqueue(bytes, owner)
    const n = this.sink.write(bytes)
    if (n < 0) return 'dropped'
    if (n === bytes.length) return 'sent'
    return this.#enqueue(bytes.subarray(n), owner)
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
      this.#chunks[this.#head] = EMPTY
      this.#owners[this.#head++]?.release()
    }
    this.#chunks = []
    this.#owners = []
    this.#head = 0
    return true
  }

  /** Drops everything queued (on close), releasing shared buffers. */
  clear(): void {
    for (let i = this.#head; i < this.#owners.length; i++) this.#owners[i]?.release()
    this.#chunks = []
    this.#owners = []
    this.#head = 0
    this.#bytes = 0
  }

  #enqueue(bytes: Uint8Array, owner: BufferOwner | undefined): SendResult {
    if (this.#bytes + bytes.length > this.maxBytes) {
      this.overflowed = true
      return 'dropped'
    }
    owner?.retain()
    this.#chunks.push(bytes)
    this.#owners.push(owner)
    this.#bytes += bytes.length
    return 'queued'
  }
}

const EMPTY = new Uint8Array(0)
