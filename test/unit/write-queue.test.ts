import { expect, test } from 'bun:test'
import { WriteQueue } from '../../src/protocol/index.ts'
import { randInt, rng } from '../helpers/random.ts'

// A sink that takes a random part of each write, like a TCP socket under pressure.
function stingySink(rand: () => number) {
  const received: number[] = []
  let open = true
  return {
    received,
    close: () => (open = false),
    write(bytes: Uint8Array) {
      if (!open) return -1
      const n = randInt(rand, bytes.length)
      for (let i = 0; i < n; i++) received.push(bytes[i]!)
      return n
    },
  }
}

test('partial writes never lose or reorder bytes (seeded)', () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1e9)
  const rand = rng(seed)
  const sink = stingySink(rand)
  const q = new WriteQueue(sink, 1 << 20)
  const sent: number[] = []
  let counter = 0
  for (let i = 0; i < 500; i++) {
    const chunk = new Uint8Array(1 + randInt(rand, 300)).map(() => counter++ & 0xff)
    sent.push(...chunk)
    expect(['sent', 'queued']).toContain(q.push(chunk))
    if (rand() < 0.3) q.flush()
  }
  for (let i = 0; i < 10_000 && !q.flush(); i++);
  expect(q.bufferedAmount).toBe(0)
  expect(sink.received.length, `seed ${seed}`).toBe(sent.length)
  expect(sink.received, `seed ${seed}`).toEqual(sent)
})

test('reports sent, queued and dropped; overflow is flagged', () => {
  let take = 0
  const q = new WriteQueue({ write: (b) => Math.min(take, b.length) }, 10)
  take = 4
  expect(q.push(new Uint8Array(4))).toBe('sent')
  take = 0
  expect(q.push(new Uint8Array(6))).toBe('queued')
  expect(q.push(new Uint8Array(4))).toBe('queued')
  expect(q.bufferedAmount).toBe(10)
  expect(q.push(new Uint8Array(1))).toBe('dropped')
  expect(q.overflowed).toBe(true)
  take = 100
  expect(q.flush()).toBe(true)
  expect(q.bufferedAmount).toBe(0)
})

test('a queued shared buffer is retained until written, released on flush or clear', () => {
  let take = 0
  const q = new WriteQueue({ write: (b) => Math.min(take, b.length) }, 1 << 20)
  let refs = 1
  const owner = { retain: () => void refs++, release: () => void refs-- }
  take = 3
  expect(q.push(new Uint8Array(10), owner)).toBe('queued')
  expect(refs).toBe(2)
  take = 5
  expect(q.flush()).toBe(false)
  expect(refs).toBe(2)
  take = 100
  expect(q.flush()).toBe(true)
  expect(refs).toBe(1)
  take = 0
  q.push(new Uint8Array(4), owner)
  q.push(new Uint8Array(4), owner)
  expect(refs).toBe(3)
  q.clear()
  expect(refs).toBe(1)
})
