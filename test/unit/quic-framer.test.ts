import { describe, expect, test } from 'bun:test'
import { DEFAULT_LIMITS, encodePacket, ProtocolError, type Packet } from '../../src/protocol/index.ts'
import { QuicFramer, QuicWriteQueue, quicPrefix, type FrameSink } from '../../src/protocol/quic-framer.ts'
import { randInt, randomPacket, rng } from '../helpers/random.ts'

function frame(packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + packet.length)
  out.set(quicPrefix(packet.length), 0)
  out.set(packet, 4)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) (out.set(p, o), (o += p.length))
  return out
}

function errorOf(fn: () => void): ProtocolError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ProtocolError) return e
    throw e
  }
  throw new Error('expected a ProtocolError')
}

describe('QuicFramer', () => {
  test('any split of a framed stream yields the same packets (seeded)', () => {
    const seed = Date.now() % 100_000
    const rand = rng(seed)
    const inits = Array.from({ length: 60 }, () => randomPacket(rand))
    const stream = concat(inits.map((p) => frame(encodePacket(p))))
    for (let round = 0; round < 20; round++) {
      const framer = new QuicFramer()
      const got: Packet[] = []
      for (let o = 0; o < stream.length; ) {
        const n = Math.min(stream.length - o, 1 + randInt(rand, round % 2 ? 7 : 5000))
        framer.push(stream.subarray(o, o + n), (p) => got.push(p))
        o += n
      }
      expect(got.length, `seed ${seed}`).toBe(inits.length)
      for (let i = 0; i < got.length; i++) {
        expect(got[i]!.id, `seed ${seed}`).toBe(inits[i]!.id ?? 0)
        expect(got[i]!.payload, `seed ${seed}`).toEqual(inits[i]!.payload ?? new Uint8Array(0))
      }
      expect(framer.buffered).toBe(0)
    }
  })

  test('prefix that disagrees with the header is E_FRAME_MISMATCH, and the framer stays failed', () => {
    const packet = encodePacket({ payload: new Uint8Array(5) })
    const bad = frame(packet)
    bad[3] = 16 // prefix 16, header says 21
    const framer = new QuicFramer()
    expect(errorOf(() => framer.push(bad, () => {})).code).toBe('E_FRAME_MISMATCH')
    expect(errorOf(() => framer.push(frame(packet), () => {})).code).toBe('E_FRAME_MISMATCH')
  })

  test('mismatch is caught when the header arrives one byte at a time', () => {
    const bad = frame(encodePacket({ payload: new Uint8Array(5) }))
    bad[3] = 30
    const framer = new QuicFramer()
    const err = errorOf(() => {
      for (const b of bad) framer.push(Uint8Array.of(b), () => {})
    })
    expect(err.code).toBe('E_FRAME_MISMATCH')
  })

  test('an oversize prefix is refused before any body is allocated', () => {
    const framer = new QuicFramer(DEFAULT_LIMITS)
    const huge = new Uint8Array(20)
    huge.set(quicPrefix(0xffff_fff0), 0)
    expect(errorOf(() => framer.push(huge, () => {})).code).toBe('E_PAYLOAD_TOO_LARGE')
    expect(framer.buffered).toBe(0)
  })

  test('a prefix shorter than the header, and a bad version, are protocol errors', () => {
    const short = new Uint8Array(20)
    short.set(quicPrefix(3), 0)
    expect(errorOf(() => new QuicFramer().push(short, () => {})).code).toBe('E_FRAME_MISMATCH')
    const v2 = frame(encodePacket({}))
    v2[4] = 2
    expect(errorOf(() => new QuicFramer().push(v2, () => {})).code).toBe('E_BAD_VERSION')
  })
})

/** A sink with a byte budget that the test refills, like a flow-controlled stream. */
function budgetSink(budget: number) {
  const taken: Uint8Array[] = []
  let wake: (() => void) | null = null
  const sink: FrameSink & { refill(n: number): void; taken: Uint8Array[]; closed: boolean } = {
    taken,
    closed: false,
    writevSync(chunks) {
      if (sink.closed || budget <= 0) return false
      for (const c of chunks) (taken.push(c.slice()), (budget -= c.length))
      return true
    },
    drained() {
      if (sink.closed) throw new Error('closed')
      return budget > 0 ? null : new Promise<void>((r) => (wake = r))
    },
    refill(n) {
      budget += n
      wake?.()
      wake = null
    },
  }
  return sink
}

describe('QuicWriteQueue', () => {
  test('sent while the stream has room, queued in order after, dropped past the bound', async () => {
    const sink = budgetSink(100)
    const q = new QuicWriteQueue(sink, 1000)
    const p = (n: number) => new Uint8Array(n).fill(n)
    expect(q.push(p(150))).toBe('sent') // room > 0 takes a whole write
    expect(q.push(p(10))).toBe('queued')
    expect(q.push(p(20))).toBe('queued')
    expect(q.bufferedAmount).toBe(38)
    expect(q.push(p(990))).toBe('dropped')
    expect(q.overflowed).toBe(true)
    let emptied = false
    q.onEmpty = () => (emptied = true)
    sink.refill(1000)
    await Promise.resolve()
    await Promise.resolve()
    expect(emptied).toBe(true)
    expect(q.bufferedAmount).toBe(0)
    const body = sink.taken.filter((c) => c.length !== 4).map((c) => c.length)
    expect(body).toEqual([150, 10, 20])
    expect(concat(sink.taken.slice(0, 2))).toEqual(frame(p(150)))
  })

  test('a closed stream ends the queue: later writes are dropped', async () => {
    const sink = budgetSink(0)
    const q = new QuicWriteQueue(sink, 1000)
    expect(q.push(new Uint8Array(4))).toBe('queued')
    sink.closed = true
    sink.refill(0)
    await Promise.resolve()
    await Promise.resolve()
    expect(q.push(new Uint8Array(4))).toBe('dropped')
    expect(q.bufferedAmount).toBe(0)
  })
})
