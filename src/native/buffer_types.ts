/**
 * Buffer tiers shared by the Zig and pure-TS pools. A buffer ref is a u32:
 * bits 28..29 tier, bits 22..27 slab, bits 0..21 index in the slab; the buffer's bytes
 * are `index * tierSize` into its slab. Both implementations use this layout.
 */

/** Bytes per buffer of each tier: small, medium, large, huge. */
export const BUFFER_TIER_SIZES = [1024, 8192, 65536, 1048576] as const
export const REF_TIER_SHIFT = 28
export const REF_SLAB_SHIFT = 22
export const REF_INDEX_MASK = (1 << REF_SLAB_SHIFT) - 1
export const MAX_SLABS_PER_TIER = 64
/**
 * Bytes of a slab one JS ArrayBuffer covers (or one buffer, for bigger tiers). The engine
 * counts every byte an ArrayBuffer spans as heap, and its young-generation collections
 * grow with the heap: one ArrayBuffer per slab made 10-105 MiB of mostly idle slab count
 * as heap (eden pauses ~1 ms instead of ~0.5 ms). Both pools create windows on first use.
 */
export const WINDOW_BYTES = 1 << 20

/**
 * The span of the windows of a tier of `size`-byte buffers (a multiple of `size`).
 *
 * @example
 * windowSpan(65536) // 1 MiB: sixteen 64 KiB buffers per window
 */
export function windowSpan(size: number): number {
  return size > WINDOW_BYTES ? size : WINDOW_BYTES
}
/** Growth schedule: the k-th growth of a tier multiplies its capacity by these. */
export const GROWTH_PERCENTS = [200, 150, 120, 110] as const
/** Smallest growth step, in buffers. */
export const MIN_GROWTH = 64

export interface BufferTierConfig {
  /** Buffers mapped at start (prewarm). */
  initial: number
  /** Hard limit: acquire returns -1 beyond it. */
  max: number
  /** shrink() never takes the tier below this many buffers. */
  lowWater: number
}

export interface BufferPoolConfig {
  tiers?: readonly [BufferTierConfig, BufferTierConfig, BufferTierConfig, BufferTierConfig]
  /** NUMA node for slab memory (mbind), -1 for the kernel default. Zig only. */
  node?: number
  /** Fault pages in at map time (MAP_POPULATE). Zig only. */
  populate?: boolean
}

/** Defaults (seed): small 10,000 / medium 5,000 / large 1,000 / huge 100 buffers. */
export const bufferPoolDefaults: Required<BufferPoolConfig> = {
  tiers: [
    { initial: 10_000, max: 160_000, lowWater: 10_000 },
    { initial: 5_000, max: 80_000, lowWater: 5_000 },
    { initial: 1_000, max: 16_000, lowWater: 1_000 },
    { initial: 100, max: 1_600, lowWater: 100 },
  ],
  node: -1,
  populate: false,
}

export interface BufferTierStats {
  size: number
  hits: number
  misses: number
  inUse: number
  highWater: number
  capacity: number
  slabs: number
  growths: number
  shrinks: number
  /** At least 90% of the tier's capacity is in use. */
  hot: boolean
  /** hits / (hits + misses), 1 when nothing was acquired yet. */
  hitRate: number
}

/** Holder ids are 0..MAX_HOLDERS-1 (one per cluster worker slot); -1 = not accounted. */
export const MAX_HOLDERS = 256

/**
 * Refcounted, 64-byte-aligned buffers in four size tiers.
 *
 * @example
 * const ref = pool.acquire(300)          // a 1 KiB buffer, refcount 1 (-1: tier full)
 * pool.view(ref).set(encoded)            // subarray of the slab's one ArrayBuffer
 * pool.retain(ref)                       // a second session will send it too
 * pool.release(ref); pool.release(ref)   // back to the pool after the last write
 */
export interface BufferPool {
  /** A buffer holding `size` bytes, or -1 when its tier is at max. Throws above 1 MiB. */
  acquire(size: number): number
  /** The tier-sized bytes of an acquired buffer (no copy). */
  view(ref: number): Uint8Array
  /** Adds an owner; returns the new refcount. Throws E_STALE on a free buffer. */
  retain(ref: number): number
  /** Drops an owner; returns the remaining count (0: returned). E_STALE on double free. */
  release(ref: number): number
  /** Counters per tier, smallest first. */
  stats(): BufferTierStats[]
  /** Unmaps idle slabs above each tier's low-water mark; returns how many. */
  shrink(): number
  /**
   * From now on this thread's acquire/retain/release count for holder `id` (0..255;
   * -1 stops), so `releaseHolder(id)` can give back what it held if the thread dies.
   * One holder per thread; the Zig pool accounts one pool per thread.
   *
   * @example
   * pool.setHolder(workerIndex()) // once, when a cluster worker starts
   */
  setHolder(id: number): void
  /**
   * Drops every reference holder `id` still has and returns how many; buffers nobody
   * else references go back to the pool. Only once that holder's thread has stopped.
   *
   * @example
   * worker.on('exit', () => pool.releaseHolder(index)) // in the primary
   */
  releaseHolder(id: number): number
  /**
   * References holder `id` holds right now.
   *
   * @example
   * pool.heldBy(0) // 3: two batch buffers and one publish still queued on a socket
   */
  heldBy(id: number): number
  close(): void
}

/**
 * Splits a buffer ref.
 *
 * @example
 * decodeRef(pool.acquire(2000)) // { tier: 1, slab: 0, index: 0 }
 */
export function decodeRef(ref: number): { tier: number; slab: number; index: number } {
  return {
    tier: ref >>> REF_TIER_SHIFT,
    slab: (ref >>> REF_SLAB_SHIFT) & (MAX_SLABS_PER_TIER - 1),
    index: ref & REF_INDEX_MASK,
  }
}

/**
 * Tier index for `size` bytes, or -1 above 1 MiB.
 *
 * @example
 * tierFor(1024) // 0
 * tierFor(1025) // 1
 */
export function tierFor(size: number): number {
  return BUFFER_TIER_SIZES.findIndex((tierSize) => size <= tierSize)
}
