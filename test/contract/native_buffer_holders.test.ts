import { afterEach, describe, expect, test } from 'bun:test'
import type { BufferPool, BufferPoolConfig } from '../../src/native/buffer_types.ts'
import type { NativeError } from '../../src/native/errors.ts'
import { openNativeLibrary } from '../../src/native/loader.ts'
import type { WorkerQueue } from '../../src/native/queue_types.ts'
import { TsBufferPool } from '../../src/native/ts/buffer_pool.ts'
import { TsWorkerQueue } from '../../src/native/ts/worker_queue.ts'
import { ZigBufferPool } from '../../src/native/zig/buffer_pool.ts'
import { ZigWorkerQueue } from '../../src/native/zig/worker_queue.ts'
import { smallPool } from '../helpers/small-pool.ts'

const small = smallPool

interface Core {
  pool(c?: BufferPoolConfig): BufferPool
  queue(capacity: number): WorkerQueue
}

const inUse = (pool: BufferPool) => pool.stats().reduce((n, t) => n + t.inUse, 0)
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return (e as NativeError).code
  }
}

/**
 * Holder ledgers on one thread: switching holders stands in for the cluster's worker
 * threads (the Zig pool keeps the holder per thread, the TS pool per pool).
 */
export function runHolderContract(name: string, core: Core) {
  describe(`BufferPool holders contract: ${name}`, () => {
    let pools: BufferPool[] = []
    const make = () => {
      const p = core.pool(small)
      pools.push(p)
      return p
    }
    afterEach(() => {
      for (const p of pools) p.setHolder(-1)
      for (const p of pools) p.close()
      pools = []
    })

    test("releaseHolder drops exactly one holder's references", () => {
      const pool = make()
      pool.setHolder(1)
      const a = pool.acquire(10)
      pool.retain(a)
      const shared = pool.acquire(5000)
      pool.setHolder(2)
      pool.retain(shared) // holder 2 keeps the buffer alive
      const c = pool.acquire(70_000)
      expect([pool.heldBy(1), pool.heldBy(2), pool.heldBy(3)]).toEqual([3, 2, 0])
      expect(inUse(pool)).toBe(3)
      expect(pool.releaseHolder(1)).toBe(3)
      expect(pool.heldBy(1)).toBe(0)
      expect(codeOf(() => pool.release(a))).toBe('E_STALE') // back in the pool
      expect(inUse(pool)).toBe(2) // `shared` (holder 2's) and `c`
      expect(pool.release(c)).toBe(0)
      expect(pool.heldBy(2)).toBe(1)
      expect(pool.releaseHolder(2)).toBe(1)
      expect(inUse(pool)).toBe(0)
      expect(pool.releaseHolder(1)).toBe(0)
    })

    test('a bound queue hands references from the pusher to the drainer', () => {
      const pool = make()
      const q = core.queue(8)
      q.carryRefs(pool)
      q.carryRefs(pool) // same pool: fine
      pool.setHolder(1)
      const ref = pool.acquire(100)
      pool.retain(ref) // a publish to two peers
      q.push(0, ref, 100, 1)
      q.push(0, ref, 100, 1)
      expect(pool.heldBy(1)).toBe(0) // in flight: nobody's
      pool.setHolder(2)
      const got: number[] = []
      expect(q.drain((_h, b) => got.push(b))).toBe(2)
      expect(got).toEqual([ref, ref])
      expect(pool.heldBy(2)).toBe(2)
      pool.release(ref)
      expect(pool.releaseHolder(2)).toBe(1) // holder 2 died with one still held
      expect(inUse(pool)).toBe(0)
      q.close()
    })

    test('references sitting in a queue survive the pusher; whoever drains releases them', () => {
      const pool = make()
      const q = core.queue(8)
      q.carryRefs(pool)
      pool.setHolder(4)
      const queued = pool.acquire(100)
      const kept = pool.acquire(100)
      q.push(0, queued, 100, 0)
      expect(pool.releaseHolder(4)).toBe(1) // `kept` only
      expect(inUse(pool)).toBe(1)
      pool.setHolder(-1) // an unaccounted thread (the primary) flushes the inbox
      q.drain((_h, b) => pool.release(b))
      expect(inUse(pool)).toBe(0)
      expect(codeOf(() => pool.release(kept))).toBe('E_STALE')
      q.close()
    })

    test('bad holder ids and binding a queue to a second pool are refused', () => {
      const pool = make()
      expect(codeOf(() => pool.setHolder(256))).toBe('E_INVALID_ARGUMENT')
      expect(codeOf(() => pool.releaseHolder(256))).toBe('E_INVALID_ARGUMENT')
      const q = core.queue(4)
      q.carryRefs(pool)
      expect(codeOf(() => q.carryRefs(make()))).toBe('E_INVALID_ARGUMENT')
      q.close()
    })
  })
}

runHolderContract('ts', { pool: (c) => new TsBufferPool(c), queue: (n) => new TsWorkerQueue(n) })
const raw = openNativeLibrary({ MSGTRANS_NATIVE: '1' })
if (raw) {
  runHolderContract('zig', {
    pool: (c) => ZigBufferPool.create(raw.lib, c),
    queue: (n) => ZigWorkerQueue.create(raw.lib, n),
  })
}
