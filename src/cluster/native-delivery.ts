import type { Connection } from '../transport/index.ts'
import type { BufferPool, NativeCore, WorkerQueue } from '../native/index.ts'

/** Capacity of each worker's native inbox (power of two; first attacher wins). */
export const INBOX_CAPACITY = 1 << 16
/** Queue flag: the buffer is a publish, [u16 topic length][topic][packet]. */
export const FLAG_PUBLISH = 1
/** How often buffers still referenced by a socket's write queue are re-checked, ms. */
const DEFERRED_SWEEP_MS = 20

/** What pushing into a peer's inbox did. */
export type NativePush = 'wake' | 'queued' | 'full'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The native data path between workers: an encoded packet goes into a pooled buffer once
 * and travels to the owner's bounded MPSC queue as (session handle, buffer ref, length);
 * the owner writes the slab bytes in place and releases the ref. A publish shares one
 * buffer among all peers by refcount. Pushing reports 'wake' only on the queue's
 * empty → non-empty edge, the only time the owner needs a postMessage.
 *
 * @example
 * const d = new NativeDelivery(loadNative(), myIndex)
 * if (d.send(owner, sessionId, bytes) === 'wake') peerPort.postMessage(wake)
 */
export class NativeDelivery {
  readonly inbox: WorkerQueue
  readonly #pool: BufferPool
  readonly #core: NativeCore
  readonly #outboxes = new Map<number, WorkerQueue>()
  readonly #deferred: Array<{ ref: number; conns: Connection[] }> = []
  #sweeper: ReturnType<typeof setInterval> | undefined
  /** Messages delivered from the inbox, and pushes refused by a full peer queue. */
  delivered = 0
  full = 0

  constructor(core: NativeCore, index: number) {
    this.#core = core
    this.#pool = core.buffers
    this.inbox = core.queue(index, INBOX_CAPACITY)
  }

  #outbox(peer: number): WorkerQueue {
    let q = this.#outboxes.get(peer)
    if (!q) this.#outboxes.set(peer, (q = this.#core.queue(peer, INBOX_CAPACITY)))
    return q
  }

  /** Hands `packet` (copied once into a pooled buffer) to session `handle` on `peer`. */
  send(peer: number, handle: number, packet: Uint8Array): NativePush {
    const ref = this.#pool.acquire(packet.length)
    if (ref < 0) return this.#refused()
    this.#pool.view(ref).set(packet)
    return this.#push(peer, handle, ref, packet.length, 0)
  }

  /** One pooled buffer for every peer (refcount = peers); returns each peer's result. */
  publish(peers: number[], topic: string, packet: Uint8Array): NativePush[] {
    const name = encoder.encode(topic)
    const len = 2 + name.length + packet.length
    const ref = this.#pool.acquire(len)
    if (ref < 0) return peers.map(() => this.#refused())
    const view = this.#pool.view(ref)
    view[0] = name.length >> 8
    view[1] = name.length & 0xff
    view.set(name, 2)
    view.set(packet, 2 + name.length)
    for (let i = 1; i < peers.length; i++) this.#pool.retain(ref)
    return peers.map((peer) => this.#push(peer, 0, ref, len, FLAG_PUBLISH))
  }

  #push(peer: number, handle: number, ref: number, len: number, flags: number): NativePush {
    const r = this.#outbox(peer).push(handle, ref, len, flags)
    if (r === 'full') {
      this.#pool.release(ref)
      this.full++
    }
    return r
  }

  #refused(): NativePush {
    this.full++
    return 'full'
  }

  /**
   * Owner side, on a wake-up: delivers everything queued, then arms the edge again.
   * `toSession` / `toTopic` return the connections still holding the bytes (queued
   * behind backpressure); those buffers are released once those have drained.
   */
  drain(
    toSession: (handle: number, bytes: Uint8Array) => Connection[] | null,
    toTopic: (topic: string, bytes: Uint8Array) => Connection[] | null,
  ): number {
    let n = 0
    const sink = (handle: number, ref: number, len: number, flags: number) => {
      const view = this.#pool.view(ref)
      let holders: Connection[] | null
      if (flags & FLAG_PUBLISH) {
        const tl = (view[0]! << 8) | view[1]!
        const topic = decoder.decode(view.subarray(2, 2 + tl))
        holders = toTopic(topic, view.subarray(2 + tl, len))
      } else {
        holders = toSession(handle, view.subarray(0, len))
      }
      if (holders && holders.length > 0) this.#defer(ref, holders)
      else this.#pool.release(ref)
      n++
    }
    do this.inbox.drain(sink)
    while (!this.inbox.prepareSleep())
    this.delivered += n
    this.#sweep()
    return n
  }

  #defer(ref: number, conns: Connection[]): void {
    this.#deferred.push({ ref, conns })
    this.#sweeper ??= setInterval(() => this.#sweep(), DEFERRED_SWEEP_MS)
    this.#sweeper.unref?.()
  }

  #sweep(): void {
    const list = this.#deferred
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!
      if (!e.conns.every((c) => c.bufferedAmount === 0)) continue
      this.#pool.release(e.ref)
      list.splice(i, 1)
    }
    if (list.length === 0 && this.#sweeper) {
      clearInterval(this.#sweeper)
      this.#sweeper = undefined
    }
  }

  /** Buffers waiting for a socket's write queue to drain. */
  get deferred(): number {
    return this.#deferred.length
  }
}
