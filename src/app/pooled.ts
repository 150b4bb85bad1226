import type { BufferPool } from '../native/index.ts'
import { encodePartsInto, HEADER_SIZE, type BufferOwner, type OutboundFields } from '../protocol/index.ts'
import type { OutboundBuffer, OutboundBuffers } from '../transport/index.ts'

/** Largest packet a pool tier holds (the 1 MiB tier). */
const MAX_POOLED = 1 << 20

/** A packet encoded once into a pooled buffer, shared by every write of a fan-out. */
export interface PooledPacket {
  readonly bytes: Uint8Array
  /** Passed with each write; queues that keep the bytes retain it. */
  readonly owner: BufferOwner | undefined
  /** Drops the publisher's reference; the buffer returns after the last queued write. */
  done(): void
}

/**
 * Encodes a one-way packet straight into a buffer of the native pool (the right tier
 * for its size), refcounted so a publish to N subscribers encodes once and the buffer
 * goes back to the pool after the last write. Falls back to a plain allocation when
 * the packet is bigger than the largest tier or the tier is at its maximum.
 *
 * @example
 * const p = encodePooled(pool, fields, PacketType.oneWay, 0)
 * for (const s of subscribers) s.writeEncoded(p.bytes, p.owner)
 * p.done()
 */
export function encodePooled(pool: BufferPool, f: OutboundFields, type: number, id: number): PooledPacket {
  const size = HEADER_SIZE + (f.ext?.length ?? 0) + f.payload.length
  const ref = acquireUpTo1MiB(pool, size)
  if (ref < 0) {
    const bytes = new Uint8Array(size)
    encodePartsInto(bytes, 0, type, f.biz, id, f.flags, f.compression, f.ext, f.payload)
    return { bytes, owner: undefined, done() {} }
  }
  const bytes = pool.view(ref).subarray(0, size)
  try {
    encodePartsInto(bytes, 0, type, f.biz, id, f.flags, f.compression, f.ext, f.payload)
  } catch (err) {
    pool.release(ref)
    throw err
  }
  return new PoolRef(pool, ref, bytes)
}

/**
 * The native pool as the transports' buffer source: outbound batches and big packets
 * are encoded into pooled buffers of the right tier (none above 1 MiB).
 *
 * @example
 * listenTcp(opts, handlers, { ...settings, buffers: poolBuffers(core.buffers) })
 */
export function poolBuffers(pool: BufferPool): OutboundBuffers {
  return {
    acquire(size: number): OutboundBuffer | null {
      const ref = acquireUpTo1MiB(pool, size)
      return ref < 0 ? null : new PoolRef(pool, ref, pool.view(ref))
    },
  }
}

// A buffer of the right tier, or -1 when the tier is full or `size` is above every tier.
function acquireUpTo1MiB(pool: BufferPool, size: number): number {
  return size <= MAX_POOLED ? pool.acquire(size) : -1
}

/** A pooled packet and its owner in one object (no closures per publish). */
class PoolRef implements PooledPacket, OutboundBuffer {
  constructor(
    private readonly pool: BufferPool,
    private readonly ref: number,
    readonly bytes: Uint8Array,
  ) {}
  get owner(): BufferOwner {
    return this
  }
  retain(): void {
    this.pool.retain(this.ref)
  }
  release(): void {
    this.pool.release(this.ref)
  }
  done(): void {
    this.pool.release(this.ref)
  }
}
