import { describe, expect, test } from 'bun:test'
import {
  COPY_SMALL_PAYLOAD,
  decodePacket,
  DEFAULT_LIMITS,
  encodePacket,
  MessageIdCounter,
  packetSizeAt,
  ProtocolError,
  routeExt,
  routeName,
  TcpFramer,
  type Packet,
  type PacketInit,
} from '../../src/protocol/index.ts'
import { randomPacket, rng } from '../helpers/random.ts'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replaceAll(' ', ''), 'hex'))
const utf8 = (s: string) => new TextEncoder().encode(s)

// Derived by hand from the DESIGN.md byte table: version | comp | type | biz | id(4) |
// ext_len(2) | payload_len(4) | flags(2) | ext | payload.
const vectors: Array<[string, PacketInit, string]> = [
  ['one-way biz0 id1, empty', { id: 1 }, '01 00 00 00 00000001 0000 00000000 0000'],
  ['one-way biz5 id42 "hello world"', { biz: 5, id: 42, payload: utf8('hello world') },
    '01 00 00 05 0000002a 0000 0000000b 0000 68656c6c6f20776f726c64'],
  ['request biz10 id100 "ping"', { type: 1, biz: 10, id: 100, payload: utf8('ping') },
    '01 00 01 0a 00000064 0000 00000004 0000 70696e67'],
  ['response biz10 id100 "pong"', { type: 2, biz: 10, id: 100, payload: utf8('pong') },
    '01 00 02 0a 00000064 0000 00000004 0000 706f6e67'],
  ['ext "route:abc", flags 0', { id: 7, ext: utf8('route:abc'), payload: utf8('data') },
    '01 00 00 00 00000007 0009 00000004 0000 726f7574653a616263 64617461'],
  ['biz255 id 0xdeadbeef', { biz: 255, id: 0xdeadbeef }, '01 00 00 ff deadbeef 0000 00000000 0000'],
  ['high priority flag', { biz: 20, id: 200, flags: 2, payload: utf8('urgent') },
    '01 00 00 14 000000c8 0000 00000006 0002 757267656e74'],
  ['route tag flag', { biz: 30, id: 300, flags: 4, ext: utf8('route:msg'), payload: utf8('payload') },
    '01 00 00 1e 0000012c 0009 00000007 0004 726f7574653a6d7367 7061796c6f6164'],
  ['zlib-marked payload', { compression: 2, id: 9, payload: utf8('hi') }, '01 02 00 00 00000009 0000 00000002 0000 6869'],
  ['zstd-marked payload', { compression: 1, id: 9, payload: utf8('hi') }, '01 01 00 00 00000009 0000 00000002 0000 6869'],
  ['id 0 is accepted', { type: 1, biz: 12, id: 0, payload: utf8('zero') },
    '01 00 01 0c 00000000 0000 00000004 0000 7a65726f'],
]

describe('v1 codec vectors', () => {
  for (const [name, init, expected] of vectors) {
    test(name, () => {
      const bytes = encodePacket(init)
      expect(hex(bytes)).toBe(expected.replaceAll(' ', ''))
      const p = decodePacket(bytes)
      expect(p.type).toBe(init.type ?? 0)
      expect(p.biz).toBe(init.biz ?? 0)
      expect(p.id).toBe(init.id ?? 0)
      expect(p.flags).toBe(init.flags ?? 0)
      expect(p.compression).toBe(init.compression ?? 0)
      expect(hex(p.ext)).toBe(hex(init.ext ?? new Uint8Array()))
      expect(hex(p.payload)).toBe(hex(init.payload ?? new Uint8Array()))
    })
  }

  test('decoded payloads above COPY_SMALL_PAYLOAD are views, not copies', () => {
    const payload = new Uint8Array(COPY_SMALL_PAYLOAD + 1).fill(3)
    const bytes = encodePacket({ ext: utf8('e'), payload })
    const p = decodePacket(bytes)
    expect(p.payload.buffer).toBe(bytes.buffer)
    expect(p.payload.byteOffset).toBe(17)
    expect(p.payload).toEqual(payload)
  })

  test('small decoded payloads are exact copies (cheaper than a view of a fresh frame)', () => {
    for (const n of [1, 64, COPY_SMALL_PAYLOAD]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff)
      const bytes = encodePacket({ ext: utf8('e'), payload })
      const p = decodePacket(bytes)
      expect(p.payload.buffer).not.toBe(bytes.buffer)
      expect(p.payload).toEqual(payload)
    }
  })

  test('packetSizeAt walks a run of back-to-back packets', () => {
    const run = Buffer.concat([
      encodePacket({ ext: utf8('route:a'), payload: new Uint8Array(300) }),
      encodePacket({ payload: new Uint8Array(70_000) }),
      encodePacket({}),
    ])
    const sizes: number[] = []
    for (let off = 0; off < run.length; off += sizes.at(-1)!) sizes.push(packetSizeAt(run, off))
    expect(sizes).toEqual([16 + 7 + 300, 16 + 70_000, 16])
  })

  test('unknown flag bits are carried, not rejected', () => {
    expect(decodePacket(unhex('010000060000000d000000000001fffa66')).flags).toBe(0xfffa)
  })
})

describe('v1 codec rejects bad packets', () => {
  const cases: Array<[string, string, string]> = [
    ['version 2', '02000000000000010000000000000000', 'E_BAD_VERSION'],
    ['version 0', '00000000000000010000000000000000', 'E_BAD_VERSION'],
    ['packet type 3', '010003050000000900000000000200006869', 'E_BAD_TYPE'],
    ['compression 3', '010300050000000900000000000200006869', 'E_BAD_COMPRESSION'],
    ['short header', '0100000000', 'E_TRUNCATED'],
    ['truncated payload', '0100000500000009000000000005000068', 'E_TRUNCATED'],
    ['trailing bytes', '01000005000000090000000000020000686900', 'E_FRAME_MISMATCH'],
    ['fragmented flag', '010000050000000900000000000200016869', 'E_FRAGMENTED'],
    ['payload over limit', '010000000000000100000100000100000000', 'E_PAYLOAD_TOO_LARGE'],
    ['ext over limit', '01000000000000011001000000000000', 'E_EXT_TOO_LARGE'],
  ]
  for (const [name, bytes, code] of cases) {
    test(name, () => {
      const run = () => decodePacket(unhex(bytes))
      expect(run).toThrow(ProtocolError)
      try {
        run()
      } catch (e) {
        expect((e as ProtocolError).code).toBe(code as never)
      }
    })
  }

  test('encode refuses out-of-range fields', () => {
    expect(() => encodePacket({ biz: 256 })).toThrow(RangeError)
    expect(() => encodePacket({ id: 2 ** 32 })).toThrow(RangeError)
    expect(() => encodePacket({ type: 3 })).toThrow(RangeError)
    expect(() => encodePacket({ ext: new Uint8Array(65_536) })).toThrow(RangeError)
  })
})

describe('round trip with random fields', () => {
  test('1,000 random packets decode to what was encoded', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1e9)
    const rand = rng(seed)
    for (let i = 0; i < 1000; i++) {
      const init = randomPacket(rand)
      const p = decodePacket(encodePacket(init), { ...DEFAULT_LIMITS })
      const ctx = `seed ${seed} packet ${i}`
      expect([p.type, p.biz, p.id, p.flags, p.compression], ctx).toEqual([
        init.type!, init.biz!, init.id!, init.flags!, init.compression!,
      ])
      expect(hex(p.ext), ctx).toBe(hex(init.ext!))
      expect(hex(p.payload), ctx).toBe(hex(init.payload!))
    }
  })
})

describe('message ids and route tags', () => {
  test('ids count from 1 and wrap from 0xffffffff to 1, never 0', () => {
    const ids = new MessageIdCounter()
    expect([ids.next(), ids.next()]).toEqual([1, 2])
    const late = new MessageIdCounter(0xfffffffe)
    expect([late.next(), late.next(), late.next()]).toEqual([0xfffffffe, 0xffffffff, 1])
  })

  test('route names by prefix (flags 0, as Rust sends) and by flag', () => {
    expect(routeName(utf8('route:chat/send'), 0)).toBe('chat/send')
    expect(routeName(routeExt('a/b'), 4)).toBe('a/b')
    expect(routeName(utf8('chat/send'), 4)).toBe('chat/send')
    expect(routeName(utf8('hdr'), 0)).toBeUndefined()
    expect(routeName(new Uint8Array(), 4)).toBeUndefined()
  })
})

describe('route ext interning', () => {
  test('a known route tag decodes to one shared ext array and the same name', () => {
    const frame = () => encodePacket({ id: 1, ext: utf8('route:intern/me'), payload: utf8('x') })
    const first = decodePacket(frame())
    expect(routeName(first.ext, 0)).toBe('intern/me') // learns the route
    const a = new TcpFramer()
    const got: Packet[] = []
    a.push(new Uint8Array([...frame(), ...frame()]), (p) => got.push(p))
    expect(got[0]!.ext).toBe(got[1]!.ext)
    expect(routeName(got[0]!.ext, 0)).toBe('intern/me')
    expect(hex(got[1]!.ext)).toBe(hex(utf8('route:intern/me')))
    // A different ext of the same length is not mistaken for it.
    const other = decodePacket(encodePacket({ ext: utf8('route:intern/mf') }))
    expect(routeName(other.ext, 0)).toBe('intern/mf')
  })
})
