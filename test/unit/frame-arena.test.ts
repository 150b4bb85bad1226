import { expect, test } from 'bun:test'
import {
  beginLend,
  claimLease,
  COPY_SMALL_PAYLOAD,
  decodeFrame,
  encodePacket,
  endLend,
  frameArenaStats,
  frameLender,
  ownPayload,
  ProtocolError,
  routeExt,
} from '../../src/protocol/index.ts'

const frame = (n: number, seed = 1) =>
  encodePacket({ id: 7, ext: routeExt('r'), flags: 4, payload: new Uint8Array(n).fill(seed) })

test('only frames with 129 B .. ~4 KiB of payload go to the arena', () => {
  for (const [n, arena] of [
    [0, false],
    [COPY_SMALL_PAYLOAD, false],
    [COPY_SMALL_PAYLOAD + 1, true],
    [4_000, true],
    [5_000, false],
  ] as const) {
    const bytes = frame(n, 9)
    const p = decodeFrame(bytes)
    expect(p.payload).toEqual(new Uint8Array(n).fill(9))
    expect(p.id).toBe(7)
    expect(frameLender() !== null).toBe(arena)
    // Arena packets never view the caller's frame.
    if (arena) expect(p.payload.buffer).not.toBe(bytes.buffer)
  }
})

test('bad frames fail as decodePacket fails, whatever their size', () => {
  const good = frame(500)
  const cases: Array<[Uint8Array, ProtocolError['code']]> = [
    [good.subarray(0, 10), 'E_TRUNCATED'],
    [good.subarray(0, good.length - 1), 'E_TRUNCATED'],
    [new Uint8Array([...good, 0]), 'E_FRAME_MISMATCH'],
    [Object.assign(good.slice(), { 0: 9 }), 'E_BAD_VERSION'],
    [Object.assign(good.slice(), { 15: 4 | 1 }), 'E_FRAGMENTED'],
  ]
  for (const [bytes, code] of cases) {
    let err: unknown
    try {
      decodeFrame(bytes)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ProtocolError)
    expect((err as ProtocolError).code).toBe(code)
  }
})

// Decodes `n`-byte frames as a lending route would: claimed, then released.
function lendAndRelease(n: number, seed: number): void {
  const q = decodeFrame(frame(n, seed))
  const l = frameLender()!
  const outer = beginLend(l)
  claimLease(q.payload)!.release()
  endLend(outer, l)
}

test('an unclaimed arena packet is kept as is: its arena is never reused', () => {
  // Start from a fresh arena (other tests of this thread may have given up the current one).
  decodeFrame(frame(4_000))
  const first = frameLender()!.buffer
  for (let i = 0; i < 100 && frameLender()!.buffer === first; i++) lendAndRelease(4_000, 0)
  expect(frameLender()!.buffer).not.toBe(first)
  const escapedBefore = frameArenaStats.escaped
  const p = decodeFrame(frame(1_000, 42))
  const lender = frameLender()!
  endLend(beginLend(lender), lender) // delivered, nobody claimed it (e.g. a response)
  expect(frameArenaStats.escaped - escapedBefore).toBe(1)
  // Fill and pass many arenas with claimed-and-released packets.
  for (let i = 0; i < 500; i++) lendAndRelease(1_000, i & 0xff)
  expect(p.payload).toEqual(new Uint8Array(1_000).fill(42))
})

test('ownPayload copies an arena payload and claims the lease; a lease-free view stays', () => {
  const p = decodeFrame(frame(300, 5))
  const lender = frameLender()!
  const view = p.payload
  const outer = beginLend(lender)
  const lease = ownPayload(p)
  endLend(outer, lender)
  expect(lease).toBe(lender)
  expect(p.payload).not.toBe(view)
  expect(p.payload.buffer).not.toBe(view.buffer)
  expect(p.payload).toEqual(new Uint8Array(300).fill(5))
  lease!.release()
  const plain = { payload: new Uint8Array(300) }
  expect(ownPayload(plain)).toBeNull()
})
