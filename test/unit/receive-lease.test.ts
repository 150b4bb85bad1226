import { afterAll, expect, test } from 'bun:test'
import {
  claimLease,
  dropReceivePool,
  lendDuring,
  lendReceiveBuffer,
  leaseOf,
  RECEIVE_POOL_BYTES,
  receivePoolBytes,
  receivePoolStats,
  type BufferOwner,
  type ReceiveLease,
} from '../../src/protocol/index.ts'

// Other files of this process use the same per-thread pool: leave it empty.
afterAll(() => dropReceivePool())

// Lends `n`-byte buffers one by one, each claimed by its "handler" and kept until the end.
function lendAndClaim(count: number, n: number): ReceiveLease[] {
  const claimed: ReceiveLease[] = []
  for (let i = 0; i < count; i++) {
    const lease = lendReceiveBuffer(n)
    lease.bytes.fill(i & 0xff)
    lendDuring(lease, () => expect(claimLease(lease.bytes)).toBe(lease))
    claimed.push(lease)
  }
  return claimed
}

test('released buffers are reused, up to RECEIVE_POOL_BYTES kept per thread', () => {
  const n = 1 << 20
  const leases = lendAndClaim(40, n)
  const views = leases.map((l) => l.bytes)
  for (const l of leases) l.release()
  expect(receivePoolBytes()).toBeLessThanOrEqual(RECEIVE_POOL_BYTES)
  expect(receivePoolBytes()).toBeGreaterThan(0)
  // Every view a handler might have kept is detached, none shows another packet's bytes.
  for (const v of views) expect(v.length).toBe(0)
  const reusedBefore = receivePoolStats.reused
  const again = lendAndClaim(4, n)
  expect(receivePoolStats.reused - reusedBefore).toBe(4)
  for (const l of again) l.release()
  dropReceivePool()
  expect(receivePoolBytes()).toBe(0)
})

test('an unclaimed lease is never reused: its bytes stay the reader’s', () => {
  const lease = lendReceiveBuffer(10_000)
  lease.bytes.fill(7)
  lendDuring(lease, () => {}) // nobody claims it (e.g. a response handed to a requester)
  expect(leaseOf(lease.bytes)).toBeUndefined()
  for (const l of lendAndClaim(5, 10_000)) l.release()
  expect(lease.bytes.length).toBe(10_000)
  expect(lease.bytes.every((b) => b === 7)).toBe(true)
})

test('a claim needs the offered buffer: a view of other bytes claims nothing', () => {
  const lease = lendReceiveBuffer(8_192)
  const claimed: Array<BufferOwner | null> = []
  lendDuring(lease, () => {
    claimed.push(claimLease(new Uint8Array(8)))
    claimed.push(claimLease(lease.bytes))
  })
  expect(claimed).toEqual([null, lease])
  lease.retain() // a write queue keeping a view
  lease.release() // the handler is done
  expect(lease.bytes.length).toBe(8_192) // still held by the queue
  lease.release()
  expect(lease.bytes.length).toBe(0)
})

test('receive buffers waste at most a quarter: four size classes per power of two', () => {
  // Releasing a lease copies its whole buffer (ArrayBuffer#transfer), so waste costs time.
  expect(lendReceiveBuffer((1 << 20) + 26).bytes.buffer.byteLength).toBe(1.25 * (1 << 20))
  expect(lendReceiveBuffer(100).bytes.buffer.byteLength).toBe(4096)
  let seed = 7
  for (let i = 0; i < 300; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0
    const n = 4097 + (seed % (16 * 1024 * 1024 - 4097))
    const size = lendReceiveBuffer(n).bytes.buffer.byteLength
    expect(size).toBeGreaterThanOrEqual(n)
    expect(size).toBeLessThanOrEqual(Math.ceil(n * 1.25))
  }
})

test('a write queue that kept a view of an unclaimed lease lets go without detaching it', () => {
  const lease = lendReceiveBuffer(20_000)
  lease.bytes.fill(9)
  lendDuring(lease, () => lease.retain()) // a queued write during a keeping route's handler
  lease.release() // drained after the handler: the packet keeps its bytes
  expect(lease.bytes.length).toBe(20_000)
  expect(lease.bytes.every((b) => b === 9)).toBe(true)
})

test('a reference taken and dropped during the handler reclaims nothing before the delivery settles', () => {
  // Unclaimed: a write held a view for a moment (a corked run written mid-handler).
  const kept = lendReceiveBuffer(20_000)
  kept.bytes.fill(5)
  lendDuring(kept, () => {
    kept.retain()
    kept.release()
    expect(kept.bytes.length).toBe(20_000)
  })
  expect(kept.bytes.every((b) => b === 5)).toBe(true) // the packet's for good
  // Claimed: the claimer let go inside the delivery, so settling reclaims it.
  const lent = lendReceiveBuffer(20_000)
  const view = lent.bytes
  const releasedBefore = receivePoolStats.released
  lendDuring(lent, () => {
    claimLease(lent.bytes)!.release()
    expect(view.length).toBe(20_000)
  })
  expect(receivePoolStats.released - releasedBefore).toBe(1)
  expect(view.length).toBe(0)
})
