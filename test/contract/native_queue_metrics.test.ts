import { describe, expect, test } from 'bun:test'
import { openNativeLibrary } from '../../src/native/loader.ts'
import { bucketHigh, bucketOf, type Metrics } from '../../src/native/metrics_types.ts'
import type { WorkerQueue } from '../../src/native/queue_types.ts'
import { TsMetrics } from '../../src/native/ts/metrics.ts'
import { TsWorkerQueue } from '../../src/native/ts/worker_queue.ts'
import { ZigMetrics } from '../../src/native/zig/metrics.ts'
import { ZigWorkerQueue } from '../../src/native/zig/worker_queue.ts'

export function runWorkerQueueContract(name: string, make: (capacity: number) => WorkerQueue) {
  describe(`WorkerQueue contract: ${name}`, () => {
    test('fifo with handles above 2^32, full reported, wake only for an idle owner', () => {
      const q = make(4)
      const big = 2 ** 52 + 12345
      expect(q.push(big, 7, 100, 2)).toBe('wake')
      expect(q.push(2, 8, 200, 0)).toBe('queued')
      expect(q.push(3, 0, 0, 0)).toBe('queued')
      expect(q.push(4, 0, 0, 0)).toBe('queued')
      expect(q.push(5, 0, 0, 0)).toBe('full')
      const got: number[][] = []
      expect(q.drain((...m) => got.push(m))).toBe(4)
      expect(got[0]).toEqual([big, 7, 100, 2])
      expect(got.map((m) => m[0])).toEqual([big, 2, 3, 4])
      expect(q.push(6, 0, 0, 0)).toBe('queued') // owner has not said it sleeps yet
      expect(q.drain(() => {}, 1)).toBe(1)
      expect(q.prepareSleep()).toBe(true)
      expect(q.push(7, 0, 0, 0)).toBe('wake')
      expect(q.prepareSleep()).toBe(false) // work is queued: keep draining
      const stats = { pushed: 6, popped: 5, full: 1, wakeups: 2, len: 1, capacity: 4 }
      expect(q.stats()).toMatchObject(stats)
      q.close()
    })

    test('drains more than one batch in order', () => {
      const q = make(1024)
      for (let i = 0; i < 1000; i++) q.push(i, i, i, i)
      let expected = 0
      expect(q.drain((h, b) => expect([h, b]).toEqual([expected, expected++]))).toBe(1000)
      q.close()
    })

    test('rejects a capacity that is not a power of two', () => {
      expect(() => make(3)).toThrow()
    })
  })
}

export function runMetricsContract(name: string, make: () => Metrics) {
  describe(`Metrics contract: ${name}`, () => {
    test('counters read in one call', () => {
      const m = make()
      m.add(0)
      m.add(0)
      m.add(63, 40)
      const all = m.counters()
      expect(all.length).toBe(64)
      expect([all[0], all[1], all[63]]).toEqual([2, 0, 40])
      expect(() => m.add(64)).toThrow()
      m.close()
    })

    test('histogram percentiles within 1/16 of the truth, reset clears', () => {
      const m = make()
      const h = m.histogram(1)
      for (let i = 1; i <= 100_000; i++) h.record(i * 10)
      const s = h.summary()
      expect(s).toMatchObject({ count: 100_000, min: 10, max: 1_000_000, mean: 500_005 })
      const want = { p50: 500_000, p90: 900_000, p99: 990_000, p999: 999_000 }
      for (const [k, v] of Object.entries(want)) {
        const got = s[k as keyof typeof want]
        expect(got).toBeGreaterThanOrEqual(v)
        expect(got - v).toBeLessThanOrEqual(v / 16)
      }
      h.reset()
      expect(h.summary().count).toBe(0)
      expect(() => m.histogram(8)).toThrow()
      m.close()
    })
  })
}

test('TS bucket math matches the Zig layout at the edges', () => {
  expect([0, 15, 16, 17, 31, 32, 33].map(bucketOf)).toEqual([0, 15, 16, 17, 31, 32, 32])
  expect(bucketHigh(bucketOf(1_000_000))).toBeGreaterThanOrEqual(1_000_000)
  expect(bucketOf(2 ** 50)).toBe(bucketOf(2 ** 60))
})

runWorkerQueueContract('ts', (c) => new TsWorkerQueue(c))
runMetricsContract('ts', () => new TsMetrics())
const raw = openNativeLibrary({ MSGTRANS_NATIVE: '1' })
if (raw) {
  runWorkerQueueContract('zig', (c) => ZigWorkerQueue.create(raw.lib, c))
  runMetricsContract('zig', () => ZigMetrics.create(raw.lib))
}
