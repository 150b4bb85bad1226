import { describe, expect, test } from 'bun:test'
import { COPY_SMALL_PAYLOAD, DEFAULT_LIMITS, encodePacket, SMALL_READ, ProtocolError, TcpFramer, type Packet } from '../../src/protocol/index.ts'
import { randInt, randomPacket, rng } from '../helpers/random.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

function stream(rand: () => number, n: number) {
  const inits = Array.from({ length: n }, () => randomPacket(rand))
  const parts = inits.map((p) => encodePacket(p))
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) {
    bytes.set(p, o)
    o += p.length
  }
  return { inits, bytes }
}

function feed(framer: TcpFramer, bytes: Uint8Array, sizes: () => number): Packet[] {
  const out: Packet[] = []
  for (let o = 0; o < bytes.length; ) {
    const n = Math.max(1, Math.min(sizes(), bytes.length - o))
    // Copy each chunk: a socket hands out fresh buffers, and views must stay valid.
    framer.push(bytes.slice(o, o + n), (p) => out.push(p))
    o += n
  }
  return out
}

describe('TcpFramer', () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1e9)
  const chunkings: Array<[string, (r: () => number) => () => number]> = [
    ['1-byte chunks', () => () => 1],
    ['random small chunks', (r) => () => 1 + randInt(r, 40)],
    ['random large chunks', (r) => () => 1 + randInt(r, 100_000)],
    ['whole stream in one chunk', () => () => Number.MAX_SAFE_INTEGER],
  ]
  for (const [name, mk] of chunkings) {
    test(`random stream, ${name} (seed ${seed})`, () => {
      const rand = rng(seed)
      const { inits, bytes } = stream(rand, name === '1-byte chunks' ? 60 : 300)
      const got = feed(new TcpFramer(), bytes, mk(rand))
      expect(got.length, `seed ${seed}`).toBe(inits.length)
      got.forEach((p, i) => {
        const want = inits[i]!
        expect([p.type, p.biz, p.id, p.flags, p.compression], `seed ${seed} #${i}`).toEqual([
          want.type!, want.biz!, want.id!, want.flags!, want.compression!,
        ])
        expect(hex(p.payload)).toBe(hex(want.payload!))
        expect(hex(p.ext)).toBe(hex(want.ext!))
      })
    })
  }

  test('packets inside one chunk: small payloads are copies, bigger ones views of it', () => {
    const small = new Uint8Array(COPY_SMALL_PAYLOAD).fill(3)
    const big = new Uint8Array(COPY_SMALL_PAYLOAD + 1).fill(4)
    const a = encodePacket({ id: 1, payload: small })
    const b = encodePacket({ id: 2, payload: big })
    const c = encodePacket({ id: 3, ext: new Uint8Array([9, 9]), payload: new Uint8Array([5]) })
    // More than SMALL_READ bytes in all: a smaller read is never viewed (next test).
    const d = encodePacket({ id: 4, payload: new Uint8Array(SMALL_READ) })
    const chunk = new Uint8Array([...a, ...b, ...c, ...d])
    const got: Packet[] = []
    new TcpFramer().push(chunk, (p) => got.push(p))
    expect(got.map((p) => p.payload.buffer === chunk.buffer)).toEqual([false, true, false, true])
    expect(got[2]!.ext.buffer === chunk.buffer).toBe(false)
    // A copy keeps its bytes when the read buffer is reused; a view follows it.
    chunk.fill(0)
    expect(got[0]!.payload).toEqual(small)
    expect([...got[2]!.ext, ...got[2]!.payload]).toEqual([9, 9, 5])
    expect(got[1]!.payload[0]).toBe(0)
  })

  test('a read of up to SMALL_READ bytes is never viewed: even its 1 KiB payloads are copies', () => {
    const kib = (id: number) => encodePacket({ id, payload: new Uint8Array(1024).fill(id) })
    const small = new Uint8Array([...kib(1), ...kib(2)])
    expect(small.length).toBeLessThanOrEqual(SMALL_READ)
    const got: Packet[] = []
    new TcpFramer().push(small, (p) => got.push(p))
    expect(got.map((p) => p.payload.buffer === small.buffer)).toEqual([false, false])
    // A bigger read keeps the zero-copy view for payloads above COPY_SMALL_PAYLOAD.
    const big = new Uint8Array([...kib(3), ...kib(4), ...kib(5), ...kib(6)])
    expect(big.length).toBeGreaterThan(SMALL_READ)
    new TcpFramer().push(big, (p) => got.push(p))
    expect(got.slice(2).map((p) => p.payload.buffer === big.buffer)).toEqual([true, true, true, true])
    small.fill(0)
    expect(got.map((p) => p.payload[0])).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a header split across chunks is reassembled', () => {
    const pkt = encodePacket({ id: 5, biz: 9, payload: new Uint8Array(100).fill(7) })
    const got: Packet[] = []
    const f = new TcpFramer()
    f.push(pkt.slice(0, 7), (p) => got.push(p))
    expect(f.buffered).toBe(7)
    f.push(pkt.slice(7, 40), (p) => got.push(p))
    f.push(pkt.slice(40), (p) => got.push(p))
    expect(got).toHaveLength(1)
    expect(got[0]!.payload).toEqual(new Uint8Array(100).fill(7))
    expect(f.buffered).toBe(0)
  })

  test('oversize declared length fails from the header alone, before any body arrives', () => {
    const f = new TcpFramer({ ...DEFAULT_LIMITS, maxPayload: 1024 })
    const header = encodePacket({ payload: new Uint8Array(0) })
    header[13] = 0x01
    header[12] = 0x04 // payload_len 1025
    expect(() => f.push(header, () => {})).toThrow(ProtocolError)
    expect(f.buffered).toBe(0)
    expect(() => f.push(new Uint8Array([1]), () => {})).toThrow('E_PAYLOAD_TOO_LARGE')
  })

  test('bad version in a later packet stops the stream after the good ones', () => {
    const good = encodePacket({ id: 1 })
    const bad = encodePacket({ id: 2 })
    bad[0] = 2
    const got: Packet[] = []
    expect(() => new TcpFramer().push(new Uint8Array([...good, ...bad]), (p) => got.push(p))).toThrow('E_BAD_VERSION')
    expect(got.map((p) => p.id)).toEqual([1])
  })
})
