import { expect, test } from 'bun:test'
import { DEFAULT_LIMITS, encodePacket } from '../../src/protocol/index.ts'
import { TcpConnection } from '../../src/transport/tcp.ts'

// A socket stand-in that records each write() and can take only part of it.
function fakeSocket(take = Infinity) {
  const writes: Uint8Array[] = []
  return {
    writes,
    readyState: 1,
    remoteAddress: '127.0.0.1',
    write(b: Uint8Array) {
      const n = Math.min(take, b.length)
      writes.push(b.slice(0, n))
      return n
    },
    end() {},
    terminate() {},
  }
}
const settings = (batching: 'throughput' | 'latency') => ({ limits: DEFAULT_LIMITS, maxQueuedBytes: 1 << 20, log() {}, batching })
const packets = Array.from({ length: 100 }, (_, i) => encodePacket({ id: i + 1, payload: new Uint8Array(40).fill(i) }))
const joined = (parts: Uint8Array[]) => Buffer.concat(parts)

test("'throughput' corks one turn's packets into one socket write, in order", async () => {
  const sock = fakeSocket()
  const conn = new TcpConnection(sock as never, settings('throughput'))
  for (const p of packets) expect(conn.write(p)).toBe('sent')
  expect(sock.writes).toHaveLength(0)
  await Promise.resolve()
  expect(sock.writes).toHaveLength(1)
  expect(joined(sock.writes)).toEqual(joined(packets))
})

test("'latency' writes every packet at once", () => {
  const sock = fakeSocket()
  const conn = new TcpConnection(sock as never, settings('latency'))
  for (const p of packets) conn.write(p)
  expect(sock.writes).toHaveLength(100)
})

test('a batch larger than the cap is split; a partial flush keeps order and reports queued after', async () => {
  const sock = fakeSocket(5000)
  const conn = new TcpConnection(sock as never, settings('throughput'))
  const big = Array.from({ length: 2000 }, (_, i) => encodePacket({ id: i + 1, payload: new Uint8Array(40).fill(i & 0xff) }))
  for (const p of big) conn.write(p)
  await Promise.resolve()
  expect(conn.bufferedAmount).toBeGreaterThan(0)
  expect(conn.write(packets[0]!)).toBe('queued')
  for (let i = 0; i < 1000 && conn.bufferedAmount > 0; i++) conn.onDrain()
  expect(joined(sock.writes)).toEqual(joined([...big, packets[0]!]))
})

test('random mix of small, in-place and large writes under partial socket writes keeps byte order (seeded)', async () => {
  const { rng, randInt } = await import('../helpers/random.ts')
  const { writePacket } = await import('../../src/transport/write-packet.ts')
  const seed = Number(process.env.SEED ?? Date.now() % 1e9)
  const rand = rng(seed)
  let take = 1 << 30
  const sock = { ...fakeSocket(), write(b: Uint8Array) {
    const n = Math.min(take, b.length)
    sock.writes.push(b.slice(0, n))
    return n
  } }
  const conn = new TcpConnection(sock as never, { ...settings('throughput'), maxQueuedBytes: 1 << 30 })
  const sent: Uint8Array[] = []
  for (let i = 0; i < 3000; i++) {
    take = rand() < 0.3 ? randInt(rand, 3000) : 1 << 30
    const payload = new Uint8Array(rand() < 0.1 ? 16_384 + randInt(rand, 70_000) : randInt(rand, 200)).fill(i & 0xff)
    const encoded = encodePacket({ id: i + 1, payload })
    sent.push(encoded)
    if (rand() < 0.5) conn.write(encoded)
    else writePacket(conn, 0, 0, i + 1, 0, 0, undefined, payload)
    toggleCork(conn, rand)
    if (rand() < 0.01) await Promise.resolve()
    if (rand() < 0.05) conn.onDrain()
  }
  if (conn.batch!.corked) conn.uncork()
  take = 1 << 30
  await Promise.resolve()
  for (let i = 0; i < 10_000 && conn.bufferedAmount > 0; i++) conn.onDrain()
  expect(conn.bufferedAmount).toBe(0)
  expect(Buffer.compare(joined(sock.writes), joined(sent)), `seed ${seed}`).toBe(0)
})

// Corks and uncorks at random, as a socket's data callback does around its handlers.
function toggleCork(conn: TcpConnection, rand: () => number): void {
  if (rand() > 0.1) return
  if (conn.batch!.corked) conn.uncork()
  else conn.batch!.cork()
}

test('corked: big packets back to back in one buffer leave in one write; other writes end the run first', async () => {
  const { GC_OWNED } = await import('../../src/protocol/index.ts')
  const sock = fakeSocket()
  const conn = new TcpConnection(sock as never, settings('throughput'))
  const big = [1, 2, 3, 4].map((i) => encodePacket({ id: i, payload: new Uint8Array(20_000).fill(i) }))
  const chunk = new Uint8Array(joined(big))
  const small = encodePacket({ id: 9, payload: new Uint8Array(10).fill(9) })
  conn.batch!.cork()
  let at = 0
  for (const p of big.slice(0, 3)) expect(conn.write(chunk.subarray(at, (at += p.length)), GC_OWNED)).toBe('sent')
  expect(sock.writes).toHaveLength(0)
  expect(conn.bufferedAmount).toBe(at)
  conn.write(small) // not part of the run: the run is written first, the small packet corked
  expect(sock.writes.map((w) => w.length)).toEqual([at])
  conn.write(chunk.subarray(at), GC_OWNED) // after the small packet: a new run
  conn.uncork()
  expect(sock.writes.map((w) => w.length)).toEqual([at, small.length, big[3]!.length])
  expect(joined(sock.writes)).toEqual(joined([...big.slice(0, 3), small, big[3]!]))
  // Not corked (a send outside a data callback): written at once.
  conn.write(chunk.subarray(0, big[0]!.length), GC_OWNED)
  expect(sock.writes).toHaveLength(4)
  // A packet encoded into the batch between two adjacent ones also ends the run.
  const { writePacket } = await import('../../src/transport/write-packet.ts')
  sock.writes.length = 0
  conn.batch!.cork()
  conn.write(chunk.subarray(0, big[0]!.length), GC_OWNED)
  writePacket(conn, 0, 0, 9, 0, 0, undefined, small.subarray(16))
  conn.write(chunk.subarray(big[0]!.length, big[0]!.length + big[1]!.length), GC_OWNED)
  conn.uncork()
  expect(joined(sock.writes)).toEqual(joined([big[0]!, small, big[1]!]))
})

// A pool that poisons a buffer when its last reference goes: a queue still pointing into
// a returned buffer would write 0xEE bytes and fail the byte comparison.
function poisoningPool() {
  const live = new Map<Uint8Array, number>()
  let acquired = 0
  const pool = {
    live,
    get acquired() {
      return acquired
    },
    acquire(size: number) {
      acquired++
      const bytes = new Uint8Array(size)
      live.set(bytes, 1)
      return {
        bytes,
        retain() {
          const n = live.get(bytes)
          if (!n) throw new Error('retain of a returned buffer')
          live.set(bytes, n + 1)
        },
        release() {
          const n = live.get(bytes)
          if (!n) throw new Error('double release')
          if (n === 1) {
            live.delete(bytes)
            bytes.fill(0xee)
          } else live.set(bytes, n - 1)
        },
      }
    },
  }
  return pool
}

test('pooled batch and big-packet buffers: every byte written before its buffer goes back, each returned once (seeded)', async () => {
  const { rng, randInt } = await import('../helpers/random.ts')
  const { writePacket } = await import('../../src/transport/write-packet.ts')
  const seed = Number(process.env.SEED ?? Date.now() % 1e9)
  const rand = rng(seed)
  const pool = poisoningPool()
  let take = 1 << 30
  const sock = { ...fakeSocket(), write(b: Uint8Array) {
    const n = Math.min(take, b.length)
    sock.writes.push(b.slice(0, n))
    return n
  } }
  const conn = new TcpConnection(sock as never, { ...settings('throughput'), maxQueuedBytes: 1 << 30, buffers: pool })
  const sent: Uint8Array[] = []
  for (let i = 0; i < 2000; i++) {
    take = rand() < 0.3 ? randInt(rand, 3000) : 1 << 30
    const payload = new Uint8Array(rand() < 0.1 ? 60_000 + randInt(rand, 100_000) : randInt(rand, 300)).fill(i & 0xff)
    if (rand() < 0.1) {
      // Big packets back to back in one pooled buffer, written by reference (a run).
      const run = Array.from({ length: 1 + randInt(rand, 4) }, (_, k) =>
        encodePacket({ id: i + 1, payload: new Uint8Array(16_384 + randInt(rand, 30_000)).fill((i + k) & 0xff) }),
      )
      const lease = pool.acquire(run.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of run) {
        lease.bytes.set(p, at)
        sent.push(p)
        conn.write(lease.bytes.subarray(at, (at += p.length)), lease)
      }
      lease.release()
    } else {
      sent.push(encodePacket({ id: i + 1, payload }))
      writePacket(conn, 0, 0, i + 1, 0, 0, undefined, payload)
    }
    toggleCork(conn, rand)
    if (rand() < 0.05) await Promise.resolve()
    if (rand() < 0.05) conn.onDrain()
  }
  if (conn.batch!.corked) conn.uncork()
  take = 1 << 30
  await Promise.resolve()
  for (let i = 0; i < 10_000 && conn.bufferedAmount > 0; i++) conn.onDrain()
  expect(Buffer.compare(joined(sock.writes), joined(sent)), `seed ${seed}`).toBe(0)
  expect(pool.acquired).toBeGreaterThan(1)
  // Only the batch's own buffer is still out (kept for the next turn), then none.
  expect(pool.live.size).toBeLessThanOrEqual(1)
  conn.batch!.clear()
  expect(pool.live.size).toBe(0)
})

test('an idle connection gives its batch buffer back within two sweep intervals', async () => {
  const { IDLE_RETURN_MS } = await import('../../src/transport/batch.ts')
  const pool = poisoningPool()
  const sock = fakeSocket()
  const conn = new TcpConnection(sock as never, { ...settings('throughput'), buffers: pool })
  conn.write(packets[0]!)
  await Promise.resolve()
  expect(sock.writes).toHaveLength(1)
  expect(pool.live.size).toBe(1)
  await Bun.sleep(IDLE_RETURN_MS * 2 + 200)
  expect(pool.live.size).toBe(0)
  // And borrows a fresh one when it gets busy again.
  conn.write(packets[1]!)
  await Promise.resolve()
  expect(joined(sock.writes)).toEqual(joined([packets[0]!, packets[1]!]))
  conn.batch!.clear()
  expect(pool.live.size).toBe(0)
})
