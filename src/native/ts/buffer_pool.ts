import {
  BUFFER_TIER_SIZES,
  bufferPoolDefaults,
  decodeRef,
  GROWTH_PERCENTS,
  MAX_SLABS_PER_TIER,
  MIN_GROWTH,
  REF_SLAB_SHIFT,
  REF_TIER_SHIFT,
  tierFor,
  type BufferPool,
  type BufferPoolConfig,
  type BufferTierConfig,
  type BufferTierStats,
  windowSpan,
} from '../buffer_types.ts'
import { NativeError } from '../errors.ts'
import { Status } from '../symbols.ts'
import { HolderLedgers } from './holders.ts'

interface Slab {
  /** The slab's memory in windows of windowSpan(size) bytes, allocated on first use. */
  windows: (Uint8Array | undefined)[]
  bytes: number
  refs: Uint32Array
}

class Tier {
  readonly slabs: (Slab | undefined)[] = new Array(MAX_SLABS_PER_TIER)
  readonly free: number[] = []
  hits = 0
  misses = 0
  inUse = 0
  highWater = 0
  capacity = 0
  growths = 0
  shrinks = 0
  constructor(readonly index: number, readonly size: number, readonly config: BufferTierConfig) {}

  map(count: number): boolean {
    const s = this.slabs.findIndex((slab) => slab === undefined)
    if (s < 0) return false
    this.slabs[s] = { windows: [], bytes: count * this.size, refs: new Uint32Array(count) }
    this.capacity += count
    const base = (this.index << REF_TIER_SHIFT) | (s << REF_SLAB_SHIFT)
    for (let i = count - 1; i >= 0; i--) this.free.push(base | i)
    return true
  }

  grow(): boolean {
    if (this.capacity >= this.config.max) return false
    const percent = GROWTH_PERCENTS[Math.min(this.growths, GROWTH_PERCENTS.length - 1)]!
    const wanted = Math.max(Math.floor((this.capacity * percent) / 100) - this.capacity, MIN_GROWTH)
    if (!this.map(Math.min(wanted, this.config.max - this.capacity))) return false
    this.growths++
    return true
  }
}

/**
 * Pure-TS buffer pool: same tiers, ref layout, growth schedule and counters as the Zig
 * pool, on ordinary ArrayBuffers, allocated a window at a time as buffers are first
 * viewed (see WINDOW_BYTES). One per JS thread (not shared between Workers).
 *
 * @example
 * const pool = new TsBufferPool()
 * const ref = pool.acquire(100)
 * pool.view(ref)[0] = 1
 * pool.release(ref) // 0
 */
export class TsBufferPool implements BufferPool {
  readonly #tiers: Tier[]
  readonly #holders = new HolderLedgers()
  #closed = false

  constructor(config: BufferPoolConfig = {}) {
    const c = { ...bufferPoolDefaults, ...config }
    const bad = c.tiers.some((t) => t.max <= 0 || t.initial > t.max || t.lowWater > t.max)
    if (bad) throw new NativeError(Status.invalid_argument, 'buffer pool create')
    this.#tiers = BUFFER_TIER_SIZES.map((size, i) => new Tier(i, size, c.tiers[i]!))
    for (const tier of this.#tiers) if (tier.config.initial > 0) tier.map(tier.config.initial)
  }

  #slab(ref: number): Slab {
    if (this.#closed) throw new Error('msgtrans: BufferPool used after close()')
    const { tier, slab, index } = decodeRef(ref)
    const found = this.#tiers[tier]?.slabs[slab]
    if (!found || index >= found.refs.length) {
      throw new NativeError(Status.not_found, `buffer ref ${ref}`)
    }
    return found
  }

  acquire(size: number): number {
    if (this.#closed) throw new Error('msgtrans: BufferPool used after close()')
    const tier = this.#tiers[tierFor(size)]
    if (!tier || size < 0) throw new NativeError(Status.invalid_argument, `buffer acquire(${size})`)
    let ref = tier.free.pop()
    if (ref === undefined) {
      tier.misses++
      if (!tier.grow()) return -1
      ref = tier.free.pop()!
    } else tier.hits++
    const { index } = decodeRef(ref)
    this.#slab(ref).refs[index] = 1
    tier.highWater = Math.max(tier.highWater, ++tier.inUse)
    this.#holders.credit(ref)
    return ref
  }

  view(ref: number): Uint8Array {
    const { tier, index } = decodeRef(ref)
    const size = BUFFER_TIER_SIZES[tier]!
    const slab = this.#slab(ref)
    const span = windowSpan(size)
    const offset = index * size
    const w = Math.floor(offset / span)
    const window = (slab.windows[w] ??= new Uint8Array(Math.min(span, slab.bytes - w * span)))
    const at = offset - w * span
    return window.subarray(at, at + size)
  }

  retain(ref: number): number {
    const refs = this.#slab(ref).refs
    const { index } = decodeRef(ref)
    if (refs[index] === 0) throw new NativeError(Status.stale, 'buffer retain')
    this.#holders.credit(ref)
    return ++refs[index]!
  }

  release(ref: number): number {
    const left = this.#drop(ref)
    this.#holders.debit(ref)
    return left
  }

  /** `release` without holder accounting. */
  #drop(ref: number): number {
    const refs = this.#slab(ref).refs
    const { tier, index } = decodeRef(ref)
    if (refs[index] === 0) throw new NativeError(Status.stale, 'buffer release')
    const left = --refs[index]!
    if (left === 0) {
      this.#tiers[tier]!.inUse--
      this.#tiers[tier]!.free.push(ref)
    }
    return left
  }

  stats(): BufferTierStats[] {
    return this.#tiers.map((t) => {
      const acquired = t.hits + t.misses
      return {
        size: t.size, hits: t.hits, misses: t.misses, inUse: t.inUse, highWater: t.highWater,
        capacity: t.capacity, slabs: t.slabs.filter(Boolean).length, growths: t.growths,
        shrinks: t.shrinks, hot: t.capacity > 0 && t.inUse * 10 >= t.capacity * 9,
        hitRate: acquired === 0 ? 1 : t.hits / acquired,
      }
    })
  }

  shrink(): number {
    let dropped = 0
    for (const tier of this.#tiers) {
      const freePerSlab = new Array<number>(MAX_SLABS_PER_TIER).fill(0)
      for (const ref of tier.free) freePerSlab[decodeRef(ref).slab]!++
      const drop = new Set<number>()
      for (let s = MAX_SLABS_PER_TIER - 1; s >= 0; s--) {
        const slab = tier.slabs[s]
        if (!slab || freePerSlab[s] !== slab.refs.length) continue
        if (tier.capacity - slab.refs.length < tier.config.lowWater) continue
        drop.add(s)
        tier.capacity -= slab.refs.length
        tier.slabs[s] = undefined
      }
      if (drop.size === 0) continue
      const kept = tier.free.filter((ref) => !drop.has(decodeRef(ref).slab))
      tier.free.length = 0
      for (const ref of kept) tier.free.push(ref)
      tier.shrinks += drop.size
      dropped += drop.size
    }
    return dropped
  }

  setHolder(id: number): void {
    this.#holders.set(id)
  }

  releaseHolder(id: number): number {
    let dropped = 0
    for (const [ref, n] of this.#holders.takeAll(id)) {
      for (let i = 0; i < n; i++, dropped++) this.#drop(ref)
    }
    return dropped
  }

  heldBy(id: number): number {
    return this.#holders.held(id)
  }

  /** A bound queue took one reference from the current holder (TsWorkerQueue.push). */
  handOff(ref: number): void {
    this.#holders.debit(ref)
  }

  /** A bound queue gave one reference to the current holder (TsWorkerQueue.drain). */
  takeOver(ref: number): void {
    this.#holders.credit(ref)
  }

  close(): void {
    this.#closed = true
  }
}
