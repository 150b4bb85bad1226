import { expect, test } from 'bun:test'
import { NativeDelivery } from '../../src/cluster/native-delivery.ts'
import { loadNative } from '../../src/native/index.ts'
import { decodePacket, outboundFields, jsonCodec, type OutboundFields } from '../../src/protocol/index.ts'
import type { Connection } from '../../src/transport/index.ts'

const core = loadNative()
const native = core.kind === 'zig'
// Queue ids far from the ones other tests of this process use.
const A = 250
const B = 251
const fields = (text: string): OutboundFields => outboundFields('note', { text }, jsonCodec, undefined, () => 7)
const inUse = () => core.buffers.stats().reduce((n, t) => n + t.inUse, 0)

// The packets of one session in a run, as the owner sees them.
function textsOf(slab: Uint8Array, from: number, to: number): string[] {
  const bytes = slab.subarray(from, to)
  const texts: string[] = []
  for (let off = 0; off < bytes.length; ) {
    const size = 16 + ((bytes[off + 8]! << 8) | bytes[off + 9]!) + new DataView(bytes.buffer, bytes.byteOffset).getUint32(off + 10)
    const p = decodePacket(bytes.subarray(off, off + size))
    expect(p.id).toBe(0) // the owner stamps its own ids
    expect(p.biz).toBe(7)
    texts.push((jsonCodec.decode(p.payload) as { text: string }).text)
    off += size
  }
  return texts
}

test.skipIf(!native)('one turn of sends: first packets share a batch, later ones a run per session; send order per session, one wake, buffers returned', async () => {
  const wakes: number[] = []
  const a = new NativeDelivery(core, A, (peer) => wakes.push(peer))
  const b = new NativeDelivery(core, B, () => {})
  b.drain(() => null, () => null) // arm B's inbox (idle, as a started worker)
  const before = inUse()
  const plan = [11, 11, 11, 22, 11, 22, 22]
  plan.forEach((h, i) => expect(a.sendFields(B, h, fields(`m${i}`))).toBe(true))
  await Promise.resolve() // end of turn: the runs are pushed
  expect(wakes).toEqual([B]) // one wake for the whole turn
  expect(b.inbox.stats().len).toBe(3) // the shared batch, then one run per session
  const runs: Array<{ handle: number; texts: string[] }> = []
  b.drain((handle, slab, from, to) => {
    runs.push({ handle, texts: textsOf(slab, from, to) })
    return null
  }, () => null)
  expect(runs).toEqual([
    { handle: 11, texts: ['m0'] },
    { handle: 22, texts: ['m3'] },
    { handle: 11, texts: ['m1', 'm2', 'm4'] },
    { handle: 22, texts: ['m5', 'm6'] },
  ])
  const order = (h: number) => runs.filter((r) => r.handle === h).flatMap((r) => r.texts)
  expect(order(11)).toEqual(['m0', 'm1', 'm2', 'm4'])
  expect(order(22)).toEqual(['m3', 'm5', 'm6'])
  expect(b.delivered).toBe(7)
  expect(inUse()).toBe(before) // the run buffers went back to the pool
})

test.skipIf(!native)('a long turn to one session: runs grow (1 KiB, 8 KiB, 64 KiB), a packet bigger than a run goes alone, order kept', async () => {
  const a = new NativeDelivery(core, A, () => {})
  const b = new NativeDelivery(core, B, () => {})
  b.drain(() => null, () => null)
  const before = inUse()
  const sent: string[] = []
  for (let i = 0; i < 2_000; i++) {
    const text = i === 1_000 ? 'x'.repeat(70_000) : `n${i}`
    sent.push(text)
    expect(a.sendFields(B, 33, fields(text))).toBe(true)
  }
  await Promise.resolve()
  const sizes: number[] = []
  const got: string[] = []
  b.drain((handle, slab, from, to) => {
    expect(handle).toBe(33)
    sizes.push(to - from)
    got.push(...textsOf(slab, from, to))
    return null
  }, () => null)
  expect(got).toEqual(sent)
  expect(sizes.length).toBeGreaterThan(3)
  expect(Math.max(...sizes)).toBeGreaterThan(65_536) // the big one, alone
  expect(b.delivered).toBe(2_000)
  expect(inUse()).toBe(before)
})

test.skipIf(!native)('a publish shares one buffer among peers; a TCP backlog holds it until drained', async () => {
  const a = new NativeDelivery(core, A, () => {})
  const b = new NativeDelivery(core, B, () => {})
  b.drain(() => null, () => null)
  const before = inUse()
  const packet = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 9, 9])
  expect(a.publish([B], 'room', packet)).toEqual(['wake'])
  const conn = { bufferedAmount: 10 } as unknown as Connection
  let seen: Uint8Array | undefined
  b.drain(() => null, (topic, bytes) => {
    expect(topic).toBe('room')
    seen = bytes.slice()
    return [conn]
  })
  expect(seen).toEqual(packet)
  expect(b.deferred).toBe(1)
  expect(inUse()).toBe(before + 1) // still referenced by the socket's write queue
  ;(conn as { bufferedAmount: number }).bufferedAmount = 0
  b.drain(() => null, () => null) // a later drain sweeps it
  expect(b.deferred).toBe(0)
  expect(inUse()).toBe(before)
})
