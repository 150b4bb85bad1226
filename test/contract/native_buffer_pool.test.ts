import { describe, expect, test } from 'bun:test'
import { decodeRef, type BufferPool, type BufferPoolConfig } from '../../src/native/buffer_types.ts'
import { NativeError } from '../../src/native/errors.ts'
import { openNativeLibrary } from '../../src/native/loader.ts'
import { TsBufferPool } from '../../src/native/ts/buffer_pool.ts'
import { ZigBufferPool } from '../../src/native/zig/buffer_pool.ts'
import { smallPool } from '../helpers/small-pool.ts'

const small = smallPool

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as NativeError).code
  }
  return undefined
}

export function runBufferPoolContract(name: string, make: (c?: BufferPoolConfig) => BufferPool) {
  describe(`BufferPool contract: ${name}`, () => {
    test('acquire picks the smallest tier; views are tier-sized and writable', () => {
      const pool = make(small)
      const sizes = [1, 1024, 1025, 8192, 65536, 65537, 1 << 20]
      const tiers = sizes.map((s) => decodeRef(pool.acquire(s)).tier)
      expect(tiers).toEqual([0, 0, 1, 1, 2, 3, 3])
      const ref = pool.acquire(100)
      const view = pool.view(ref)
      expect(view.byteLength).toBe(1024)
      view.fill(7)
      expect(pool.view(ref)[1023]).toBe(7)
      expect(codeOf(() => pool.acquire((1 << 20) + 1))).toBe('E_INVALID_ARGUMENT')
      pool.close()
    })

    test('refcounts: retain, release to zero, double release is E_STALE', () => {
      const pool = make(small)
      const ref = pool.acquire(10)
      expect(pool.retain(ref)).toBe(2)
      expect(pool.release(ref)).toBe(1)
      expect(pool.release(ref)).toBe(0)
      expect(codeOf(() => pool.release(ref))).toBe('E_STALE')
      expect(codeOf(() => pool.retain(ref))).toBe('E_STALE')
      expect(pool.stats()[0]!.inUse).toBe(0)
      pool.close()
    })

    test('grows 2.0 → 1.5 → …, returns -1 at max, counts hits and misses', () => {
      const pool = make(small)
      const held: number[] = []
      for (let ref = pool.acquire(1); ref >= 0; ref = pool.acquire(1)) held.push(ref)
      expect(held.length).toBe(1000)
      expect(new Set(held).size).toBe(1000)
      const s = pool.stats()[0]!
      expect(s).toMatchObject({ capacity: 1000, inUse: 1000, highWater: 1000, hot: true })
      expect(s.growths).toBeGreaterThan(3)
      expect(s.hits).toBe(64 + held.length - 64 - s.growths)
      expect(s.misses).toBe(s.growths + 1)
      // huge tier: 1 prewarmed, 4 max
      const huge = [1, 2, 3, 4].map(() => pool.acquire(1 << 20))
      expect(huge.every((r) => r >= 0)).toBe(true)
      expect(pool.acquire(1 << 20)).toBe(-1)
      pool.close()
    })

    test('shrink drops idle slabs down to low water; the pool keeps working', () => {
      const pool = make(small)
      const held: number[] = []
      for (let i = 0; i < 500; i++) held.push(pool.acquire(1))
      expect(pool.shrink()).toBe(0)
      held.forEach((ref) => pool.release(ref))
      expect(pool.shrink()).toBeGreaterThan(0)
      expect(pool.stats()[0]).toMatchObject({ capacity: 64, slabs: 1 })
      const again = Array.from({ length: 300 }, () => pool.acquire(1))
      again.forEach((ref, i) => pool.view(ref).fill(i & 0xff))
      again.forEach((ref, i) => expect(pool.view(ref)[5]).toBe(i & 0xff))
      pool.close()
    })

    test('steady send/receive mix keeps the hit rate at or above 98%', () => {
      const pool = make()
      const inflight: number[] = []
      for (let i = 0; i < 50_000; i++) {
        inflight.push(pool.acquire(i % 7 === 0 ? 5000 : 300))
        if (inflight.length > 256) pool.release(inflight.shift()!)
      }
      for (const s of pool.stats().slice(0, 2)) expect(s.hitRate).toBeGreaterThanOrEqual(0.98)
      pool.close()
    })

    test('bad config and use after close', () => {
      const bad = { tiers: [{ initial: 5, max: 1, lowWater: 0 }, ...small.tiers!.slice(1)] }
      expect(() => make(bad as unknown as BufferPoolConfig)).toThrow(NativeError)
      const pool = make(small)
      pool.close()
      expect(() => pool.acquire(1)).toThrow(/after close/)
    })

    test('slabs are seen through 1 MiB windows: distinct buffers, and only windows in use count as heap', () => {
      const { ptr } = require('bun:ffi') as typeof import('bun:ffi')
      const { heapStats } = require('bun:jsc') as typeof import('bun:jsc')
      const pool = make() // default tiers: slabs of 10-100 MiB
      const extra = () => (Bun.gc(true), heapStats().extraMemorySize)
      const before = extra()
      const first = [1, 2_000, 20_000, 500_000].map((n) => pool.view(pool.acquire(n)))
      // One window per tier in use, not the whole slab (which was 10-105 MiB here).
      expect(extra() - before).toBeLessThan(4 * 1.25 * (1 << 20))
      expect(first.map((v) => v.buffer.byteLength)).toEqual([1 << 20, 1 << 20, 1 << 20, 1 << 20])
      // 40 buffers of 64 KiB span three windows: each view is its own 64 KiB, at its own address.
      const refs = Array.from({ length: 40 }, () => pool.acquire(65_536))
      const views = refs.map((r) => pool.view(r))
      views.forEach((v, i) => v.fill(i))
      const addresses = new Set(views.map((v) => ptr(v)))
      expect(addresses.size).toBe(40)
      expect(new Set(views.map((v) => v.buffer)).size).toBeGreaterThanOrEqual(3)
      refs.forEach((r, i) => {
        const v = pool.view(r)
        expect(v.byteLength).toBe(65_536)
        expect(v[0]).toBe(i)
        expect(v[65_535]).toBe(i)
      })
      pool.close()
    })
  })
}

runBufferPoolContract('ts', (c) => new TsBufferPool(c))
const raw = openNativeLibrary({ MSGTRANS_NATIVE: '1' })
if (raw) {
  runBufferPoolContract('zig', (c) => ZigBufferPool.create(raw.lib, c))

  test('zig: every buffer is 64-byte aligned and slab views are created once', () => {
    const { ptr } = require('bun:ffi') as typeof import('bun:ffi')
    const pool = ZigBufferPool.create(raw.lib, small)
    const sizes = [10, 2000, 20000, 500000]
    const refs = Array.from({ length: 200 }, (_, i) => pool.acquire(sizes[i % 4]!))
    for (const ref of refs.filter((r) => r >= 0)) expect(ptr(pool.view(ref)) % 64).toBe(0)
    const a = pool.view(refs[0]!)
    const b = pool.view(refs[4]!)
    expect(a.buffer).toBe(b.buffer) // same slab, same ArrayBuffer
    pool.close()
  })
}
