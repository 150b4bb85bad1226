import type { Connection } from '../transport/index.ts'
import type { BufferPool, NativeCore, WorkerQueue } from '../native/index.ts'
import { encodePartsInto, HEADER_SIZE, packetSizeAt, PacketType, type OutboundFields } from '../protocol/index.ts'

/** Capacity of each worker's native inbox (power of two; first attacher wins). */
export const INBOX_CAPACITY = 1 << 16
/** Queue flag: the buffer is a publish, [u16 topic length][topic][packet]. */
export const FLAG_PUBLISH = 1
/**
 * Queue flag: the buffer holds records [u32 handle lo][u32 handle hi][u32 len][packets]:
 * the first packet of each session in a turn (one shared buffer per peer per turn).
 */
export const FLAG_BATCH = 2
/** The shared batch buffer (the 64 KiB tier); bigger packets go alone. */
export const BATCH_BYTES = 65_536
/**
 * A session's second and later packets of a turn go into its own *run*: one pooled
 * buffer of back-to-back packets, pushed as one queue entry, which the owner writes with
 * one copy (not one per packet). The first run is small (1 KiB tier) and each next one
 * RUN_GROWTH times bigger, up to RUN_MAX_BYTES.
 */
export const RUN_FIRST_BYTES = 1024
export const RUN_MAX_BYTES = 65_536
const RUN_GROWTH = 8
const RECORD_HEADER = 12
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
  /** Each peer's shared batch and session table (open: has something this turn). */
  readonly #open = new Map<number, Turn>()
  readonly #wake: (peer: number) => void
  #sweeper: ReturnType<typeof setInterval> | undefined
  /** Packets delivered from the inbox, and pushes refused by a full peer queue. */
  delivered = 0
  full = 0

  /**
   * `wake(peer)` nudges a peer whose inbox this worker made non-empty. The calling thread
   * becomes holder `index` of the shared pool: every buffer reference it takes is on its
   * ledger until it gives it away (release, or a push into a peer's inbox), so the
   * primary can give back exactly what it held if it dies (reclaim.ts).
   */
  constructor(core: NativeCore, index: number, wake: (peer: number) => void) {
    this.#wake = wake
    this.#core = core
    this.#pool = core.buffers
    this.#pool.setHolder(index)
    this.inbox = core.queue(index, INBOX_CAPACITY)
    this.inbox.carryRefs(this.#pool)
  }

  #outbox(peer: number): WorkerQueue {
    let q = this.#outboxes.get(peer)
    if (!q) {
      q = this.#core.queue(peer, INBOX_CAPACITY)
      q.carryRefs(this.#pool)
      this.#outboxes.set(peer, q)
    }
    return q
  }

  /**
   * Encodes a one-way packet (message id 0; the owner stamps its own) for session
   * `handle` straight into this turn's batch buffer for `peer`. The batch is pushed as
   * ONE queue entry at the end of the turn. False when no buffer could be had.
   */
  sendFields(peer: number, handle: number, f: OutboundFields): boolean {
    return this.sendParts(peer, handle, f.biz, f.flags, f.compression, f.ext, f.payload)
  }

  /** sendFields without the fields object (the app.send(id, route, body) hot path). */
  sendParts(
    peer: number,
    handle: number,
    biz: number,
    flags: number,
    compression: number,
    ext: Uint8Array | undefined,
    payload: Uint8Array,
  ): boolean {
    const len = HEADER_SIZE + (ext?.length ?? 0) + payload.length
    const turn = this.#turn(peer)
    // A small direct-mapped table remembers this turn's sessions: a session seen before
    // in the turn (and still in its slot) gets its own run.
    const slot = turn.slots[handle & (SLOTS - 1)]!
    const seen = slot.stamp === turn.stamp && slot.handle === handle
    if (!seen && RECORD_HEADER + len <= BATCH_BYTES) {
      // The session's first packet of the turn (as far as the table knows): a record in
      // the shared batch. A run another session left in the slot goes now.
      if (slot.stamp === turn.stamp && slot.run) this.#pushRun(peer, turn, slot)
      if (!this.#record(peer, turn, handle, len)) return false
      const b = turn.batch!
      encodePartsInto(b.view, b.used, PacketType.oneWay, biz, 0, flags, compression, ext, payload)
      b.used += len
      slot.handle = handle
      slot.stamp = turn.stamp
      slot.run = null
      return true
    }
    if (!seen) {
      if (slot.stamp === turn.stamp && slot.run) this.#pushRun(peer, turn, slot)
      slot.handle = handle
      slot.stamp = turn.stamp
      slot.run = null
    }
    let run = slot.run
    if (run && run.used + len > run.view.length) {
      this.#pushRun(peer, turn, slot)
      run = this.#beginRun(slot, len, Math.min(RUN_MAX_BYTES, run.view.length * RUN_GROWTH))
    } else if (!run) {
      run = this.#beginRun(slot, len, RUN_FIRST_BYTES)
    }
    if (!run) {
      // Bigger than any run (or no buffer): alone, after what the session already has.
      this.#flushPeer(peer)
      const ref = this.#pool.acquire(len)
      if (ref < 0) return this.#refused() !== 'full'
      encodePartsInto(this.#pool.view(ref), 0, PacketType.oneWay, biz, 0, flags, compression, ext, payload)
      return this.#push(peer, handle, ref, len, 0) !== 'full'
    }
    encodePartsInto(run.view, run.used, PacketType.oneWay, biz, 0, flags, compression, ext, payload)
    run.used += len
    return true
  }

  // This turn's state for `peer` (reused from turn to turn).
  #turn(peer: number): Turn {
    let turn = this.#open.get(peer)
    if (!turn) {
      const slots = Array.from({ length: SLOTS }, () => ({ handle: -1, stamp: 0, run: null }))
      turn = { batch: null, slots, stamp: 1, open: false }
      this.#open.set(peer, turn)
    }
    if (!turn.open) {
      turn.open = true
      if (this.#openCount++ === 0) queueMicrotask(this.#flushAll)
    }
    return turn
  }
  #openCount = 0

  // Room for a `len`-byte packet of `handle` in the shared batch (a new record); pushes a
  // full batch first. False when no buffer could be had.
  #record(peer: number, turn: Turn, handle: number, len: number): boolean {
    let b = turn.batch
    if (b && b.used + RECORD_HEADER + len > BATCH_BYTES) {
      this.#pushBatch(peer, turn)
      b = null
    }
    if (!b) {
      const ref = this.#pool.acquire(BATCH_BYTES)
      if (ref < 0) return this.#refused() !== 'full'
      const view = this.#pool.view(ref)
      b = { ref, view, dv: new DataView(view.buffer, view.byteOffset, view.byteLength), used: 0 }
      turn.batch = b
    }
    b.dv.setUint32(b.used, handle % 2 ** 32)
    b.dv.setUint32(b.used + 4, Math.floor(handle / 2 ** 32))
    b.dv.setUint32(b.used + 8, len)
    b.used += RECORD_HEADER
    return true
  }

  // A run in `slot` with room for `len` bytes (at least `size`); null when `len` is
  // bigger than any run or no buffer could be had.
  #beginRun(slot: Slot, len: number, size: number): Run | null {
    if (len > RUN_MAX_BYTES) return null
    const ref = this.#pool.acquire(Math.max(size, len))
    if (ref < 0) return null
    slot.run = { ref, view: this.#pool.view(ref), used: 0 }
    return slot.run
  }

  // A session's run leaves after the shared batch, which may hold its first packet.
  #pushRun(peer: number, turn: Turn, slot: Slot): void {
    const run = slot.run!
    slot.run = null
    this.#pushBatch(peer, turn)
    if (this.#push(peer, slot.handle, run.ref, run.used, 0) === 'wake') this.#wake(peer)
  }

  #pushBatch(peer: number, turn: Turn): void {
    const b = turn.batch
    if (!b) return
    turn.batch = null
    if (this.#push(peer, 0, b.ref, b.used, FLAG_BATCH) === 'wake') this.#wake(peer)
  }

  #flushAll = (): void => {
    for (const peer of [...this.#open.keys()]) this.#flushPeer(peer)
  }

  /** Pushes this turn's batch for `peer` now (before a control message that must follow it). */
  flush(peer: number): void {
    this.#flushPeer(peer)
  }

  #flushPeer(peer: number): void {
    const turn = this.#open.get(peer)
    if (!turn?.open) return
    turn.open = false
    this.#openCount--
    this.#pushBatch(peer, turn)
    for (const slot of turn.slots) {
      if (slot.stamp === turn.stamp && slot.run) this.#pushRun(peer, turn, slot)
    }
    turn.stamp++ // forget this turn's sessions
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
    // Earlier sends to these peers go first (one order per sender).
    for (const peer of peers) this.#flushPeer(peer)
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
   * Owner side, on a wake-up: delivers everything queued, then arms the edge again;
   * returns how many queue entries it took.
   * `toSession` / `toTopic` return the connections still holding the bytes (queued
   * behind backpressure); those buffers are released once those have drained.
   */
  drain(
    toSession: ToSession,
    toTopic: (topic: string, bytes: Uint8Array) => Connection[] | null,
  ): number {
    let entries = 0
    const sink = (handle: number, ref: number, len: number, flags: number) => {
      const view = this.#pool.view(ref)
      let holders: Connection[] | null
      if (flags & FLAG_BATCH) {
        holders = this.#unbatch(view, len, toSession)
      } else if (flags & FLAG_PUBLISH) {
        const tl = (view[0]! << 8) | view[1]!
        const topic = decoder.decode(view.subarray(2, 2 + tl))
        holders = toTopic(topic, view.subarray(2 + tl, len))
        this.delivered++
      } else {
        holders = toSession(handle, view, 0, len)
        this.delivered += countPackets(view, 0, len)
      }
      if (holders && holders.length > 0) this.#defer(ref, holders)
      else this.#pool.release(ref)
      entries++
    }
    do this.inbox.drain(sink)
    while (!this.inbox.prepareSleep())
    this.#sweep()
    return entries
  }

  #unbatch(
    view: Uint8Array,
    len: number,
    toSession: ToSession,
  ): Connection[] | null {
    const dv = new DataView(view.buffer, view.byteOffset, len)
    let held: Connection[] | null = null
    for (let off = 0; off < len; ) {
      const handle = dv.getUint32(off) + dv.getUint32(off + 4) * 2 ** 32
      const size = dv.getUint32(off + 8)
      const h = toSession(handle, view, off + RECORD_HEADER, off + RECORD_HEADER + size)
      if (h) for (const c of h) (held ??= []).includes(c) || held.push(c)
      off += RECORD_HEADER + size
      this.delivered += countPackets(view, off - size, off)
    }
    return held
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

/**
 * Owner side: writes the packets at bytes[from, to) to session `handle`; returns the
 * connections that kept a view of them (queued behind backpressure), or null.
 */
export type ToSession = (handle: number, bytes: Uint8Array, from: number, to: number) => Connection[] | null

/** The shared batch of a turn: records of first packets. */
interface OpenBatch {
  ref: number
  view: Uint8Array
  dv: DataView
  used: number
}

/** A session's later packets of a turn, back to back in one pooled buffer. */
interface Run {
  ref: number
  view: Uint8Array
  used: number
}

/** One session of a turn in the direct-mapped table (valid while stamp is the turn's). */
interface Slot {
  handle: number
  stamp: number
  /** Its run, or null while it has only its record in the shared batch. */
  run: Run | null
}

/** Sessions remembered per turn and peer (a power of two). */
const SLOTS = 64

/** What a sender has for one peer: this turn's shared batch and session table. */
interface Turn {
  batch: OpenBatch | null
  slots: Slot[]
  stamp: number
  open: boolean
}

/** Packets in a run of back-to-back v1 packets between `from` and `to`. */
function countPackets(b: Uint8Array, from: number, to: number): number {
  let n = 0
  for (let off = from; off < to; n++) off += packetSizeAt(b, off)
  return n
}
