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

test.skipIf(!native)('batches one turn of sends into one queue entry, runs per session, buffers returned', async () => {
  const wakes: number[] = []
  const a = new NativeDelivery(core, A, (peer) => wakes.push(peer))
  const b = new NativeDelivery(core, B, () => {})
  b.drain(() => null, () => null) // arm B's inbox (idle, as a started worker)
  const before = inUse()
  const plan = [11, 11, 11, 22, 11, 22, 22]
  plan.forEach((h, i) => expect(a.sendFields(B, h, fields(`m${i}`))).toBe(true))
  await Promise.resolve() // end of turn: the batch is pushed
  expect(wakes).toEqual([B]) // one wake for the whole turn
  expect(b.inbox.stats().len).toBe(1) // ONE queue entry
  const runs: Array<{ handle: number; texts: string[] }> = []
  b.drain((handle, slab, from, to) => {
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
    runs.push({ handle, texts })
    return null
  }, () => null)
  expect(runs).toEqual([
    { handle: 11, texts: ['m0', 'm1', 'm2'] },
    { handle: 22, texts: ['m3'] },
    { handle: 11, texts: ['m4'] },
    { handle: 22, texts: ['m5', 'm6'] },
  ])
  expect(b.delivered).toBe(7)
  expect(inUse()).toBe(before) // the batch buffer went back to the pool
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
