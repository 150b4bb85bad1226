import { ptr as pointerOf, toArrayBuffer, type Pointer } from 'bun:ffi'
import {
  BUFFER_TIER_SIZES,
  bufferPoolDefaults,
  MAX_SLABS_PER_TIER,
  REF_INDEX_MASK,
  REF_SLAB_SHIFT,
  REF_TIER_SHIFT,
  type BufferPool,
  type BufferPoolConfig,
  type BufferTierStats,
  windowSpan,
} from '../buffer_types.ts'
import { check, NativeError } from '../errors.ts'
import type { RawLib } from '../ffi.ts'
import { Status } from '../symbols.ts'

function encodeConfig(config: BufferPoolConfig): Uint32Array {
  const c = { ...bufferPoolDefaults, ...config }
  const words = new Uint32Array(14)
  c.tiers.forEach((t, i) => words.set([t.initial, t.max, t.lowWater], i * 3))
  new Int32Array(words.buffer)[12] = c.node
  words[13] = c.populate ? 1 : 0
  return words
}

const SLOTS = BUFFER_TIER_SIZES.length * MAX_SLABS_PER_TIER
/** `no_holder` in zig/src/buffer_holders.zig. */
const NO_HOLDER = 0xffffffff

/**
 * The Zig buffer pool. JS sees a slab through ArrayBuffers of WINDOW_BYTES (see
 * buffer_types.ts), each created
 * the first time a ref in it is viewed and recreated only when the slab slot's
 * generation changes (the slab was unmapped by shrink and mapped again).
 *
 * @example
 * const pool = ZigBufferPool.attach(lib, 0) // same pool in every Worker
 * const ref = pool.acquire(1200)            // 8 KiB tier
 * pool.view(ref).set(packet)
 * pool.release(ref)
 */
export class ZigBufferPool implements BufferPool {
  readonly #lib: RawLib
  #pool: Pointer | 0
  readonly #release: () => void
  readonly #generations: Uint32Array
  readonly #seen = new Uint32Array(SLOTS)
  /** Per slab slot: its windows (see WINDOW_BYTES), its base address and byte length. */
  readonly #windows: (Uint8Array | undefined)[][] = new Array(SLOTS)
  readonly #bases = new Float64Array(SLOTS)
  readonly #lengths = new Float64Array(SLOTS)
  readonly #slab = new BigUint64Array(2)
  readonly #stats = new BigUint64Array(9)

  private constructor(lib: RawLib, pool: Pointer, release: () => void) {
    this.#lib = lib
    this.#pool = pool
    this.#release = release
    const table = lib.msgtrans_buffer_generations(pool)!
    this.#generations = new Uint32Array(toArrayBuffer(table, 0, SLOTS * 4))
  }

  /** A private pool (prewarmed now), unmapped by close(). */
  static create(lib: RawLib, config: BufferPoolConfig = {}): ZigBufferPool {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_buffer_pool_create(encodeConfig(config), out), 'buffer pool create')
    const pool = Number(out[0]) as Pointer
    return new ZigBufferPool(lib, pool, () => lib.msgtrans_buffer_pool_destroy(pool))
  }

  /** The process-wide pool `id` (0..15) shared by all Workers; first config wins. */
  static attach(lib: RawLib, id: number, config: BufferPoolConfig = {}): ZigBufferPool {
    const out = new BigUint64Array(1)
    check(lib.msgtrans_buffer_pool_attach(id, encodeConfig(config), out), 'buffer pool attach')
    const pool = Number(out[0]) as Pointer
    return new ZigBufferPool(lib, pool, () => lib.msgtrans_buffer_pool_detach(id))
  }

  #ptr(): Pointer {
    if (this.#pool === 0) throw new Error('msgtrans: BufferPool used after close()')
    return this.#pool
  }

  acquire(size: number): number {
    const ref = this.#lib.msgtrans_buffer_acquire(this.#ptr(), size)
    if (ref >= 0) return ref
    if (ref === Status.full) return -1
    throw new NativeError(ref, `buffer acquire(${size})`)
  }

  view(ref: number): Uint8Array {
    const tier = ref >>> REF_TIER_SHIFT
    const k = tier * MAX_SLABS_PER_TIER + ((ref >>> REF_SLAB_SHIFT) & (MAX_SLABS_PER_TIER - 1))
    let windows = this.#windows[k]
    if (windows === undefined || this.#seen[k] !== this.#generations[k]) windows = this.#map(k)
    const size = BUFFER_TIER_SIZES[tier]!
    const offset = (ref & REF_INDEX_MASK) * size
    // Tier sizes are powers of two, so a buffer never straddles two windows.
    const span = windowSpan(size)
    const w = Math.floor(offset / span)
    const at = offset - w * span
    return (windows[w] ?? this.#window(k, w, span)).subarray(at, at + size)
  }

  // (Re)reads where slab slot `k` is mapped; its windows start empty.
  #map(k: number): (Uint8Array | undefined)[] {
    const tier = Math.floor(k / MAX_SLABS_PER_TIER)
    const generation = this.#generations[k]!
    const slab = k % MAX_SLABS_PER_TIER
    check(this.#lib.msgtrans_buffer_slab(this.#ptr(), tier, slab, this.#slab), 'buffer view')
    this.#bases[k] = Number(this.#slab[0])
    this.#lengths[k] = Number(this.#slab[1])
    const windows: (Uint8Array | undefined)[] = []
    this.#windows[k] = windows
    this.#seen[k] = generation
    return windows
  }

  #window(k: number, w: number, span: number): Uint8Array {
    const start = w * span
    const bytes = Math.min(span, this.#lengths[k]! - start)
    const view = new Uint8Array(toArrayBuffer(this.#bases[k]! as Pointer, start, bytes))
    this.#windows[k]![w] = view
    return view
  }

  retain(ref: number): number {
    const count = this.#lib.msgtrans_buffer_retain(this.#ptr(), ref)
    if (count < 0) throw new NativeError(count, 'buffer retain')
    return count
  }

  release(ref: number): number {
    const count = this.#lib.msgtrans_buffer_release(this.#ptr(), ref)
    if (count < 0) throw new NativeError(count, 'buffer release')
    return count
  }

  stats(): BufferTierStats[] {
    return BUFFER_TIER_SIZES.map((size, tier) => {
      check(this.#lib.msgtrans_buffer_stats(this.#ptr(), tier, this.#stats), 'buffer stats')
      const [hits, misses, inUse, highWater, capacity, slabs, growths, shrinks, hot] =
        Array.from(this.#stats, Number) as number[]
      const acquired = hits! + misses!
      return {
        size, hits: hits!, misses: misses!, inUse: inUse!, highWater: highWater!,
        capacity: capacity!, slabs: slabs!, growths: growths!, shrinks: shrinks!,
        hot: hot === 1, hitRate: acquired === 0 ? 1 : hits! / acquired,
      }
    })
  }

  shrink(): number {
    return this.#lib.msgtrans_buffer_shrink(this.#ptr())
  }

  setHolder(id: number): void {
    check(this.#lib.msgtrans_buffer_set_holder(this.#ptr(), id < 0 ? NO_HOLDER : id), 'buffer setHolder')
  }

  releaseHolder(id: number): number {
    const dropped = this.#lib.msgtrans_buffer_release_holder(this.#ptr(), id)
    if (dropped < 0) throw new NativeError(dropped, 'buffer releaseHolder')
    return dropped
  }

  heldBy(id: number): number {
    const held = this.#lib.msgtrans_buffer_holder_refs(this.#ptr(), id)
    if (held < 0) throw new NativeError(held, 'buffer heldBy')
    return held
  }

  /** The native pool behind `pool` (for a queue that carries its refs). */
  static pointerOf(pool: BufferPool): Pointer {
    if (!(pool instanceof ZigBufferPool)) throw new TypeError('msgtrans: not a Zig buffer pool')
    return pool.#ptr()
  }

  close(): void {
    if (this.#pool === 0) return
    this.#pool = 0
    this.#windows.fill(undefined as never)
    this.#release()
  }
}

/**
 * Address of a view's first byte (for NUMA checks and native consumers).
 *
 * @example
 * addressOf(pool.view(ref)) % 64 // 0: every buffer is 64-byte aligned
 */
export function addressOf(view: Uint8Array): number {
  return pointerOf(view)
}
