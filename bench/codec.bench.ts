// Codec and framer throughput (mitata), each against a named baseline in the same run.
//   bun bench/codec.bench.ts            full run, writes bench/results/codec.json + .md
//   BENCH_TINY=1 bun bench/codec.bench.ts  a few iterations (run by the test suite)
import { bench, group, run, summary } from 'mitata'
import { copyOut, decodePacket, encodePacket, encodePacketInto, TcpFramer } from '../src/protocol/index.ts'
import { writeResults } from './results.ts'

const tiny = process.env.BENCH_TINY === '1'
const payload64 = new Uint8Array(64).fill(1)
const payload1k = new Uint8Array(1024).fill(2)
const ext = new TextEncoder().encode('route:chat/send')
const packet1k = encodePacket({ type: 1, id: 7, ext, payload: payload1k })
const scratch = new Uint8Array(2048)
const frame64 = Buffer.from(encodePacket({ id: 1, ext, payload: payload64 }))
const frameHead = frame64.length - 64

// One socket read carrying 16 packets of 64 B, fresh per read as Bun hands them out.
const read16 = Buffer.concat(Array.from({ length: 16 }, () => frame64))
const payloadsOf = (take: (read: Buffer, at: number) => Uint8Array) => {
  const read = Buffer.from(read16)
  let s = 0
  for (let at = frameHead; at < read.length; at += frame64.length) s += take(read, at).length
  return s
}

// A 1 MiB stream of 64-byte-payload packets, fed in 64 KiB chunks like a socket.
const one = encodePacket({ id: 1, ext, payload: payload64 })
const count = Math.floor((1 << 20) / one.length)
const streamBytes = new Uint8Array(count * one.length)
for (let i = 0; i < count; i++) streamBytes.set(one, i * one.length)
const chunks: Uint8Array[] = []
for (let o = 0; o < streamBytes.length; o += 65536) chunks.push(streamBytes.subarray(o, o + 65536))

type Case = [group: string, name: string, fn: () => unknown]
const cases: Case[] = [
  ['encode 1 KiB packet', 'baseline: Uint8Array.set of the same bytes', () => scratch.set(packet1k)],
  ['encode 1 KiB packet', 'encodePacketInto (no allocation)', () =>
    encodePacketInto(scratch, 0, { type: 1, id: 7, ext, payload: payload1k })],
  ['encode 1 KiB packet', 'encodePacket (allocates)', () => encodePacket({ type: 1, id: 7, ext, payload: payload1k })],
  ['decode 1 KiB packet', 'baseline: DataView.getUint32 x4', () => {
    const v = new DataView(packet1k.buffer)
    return v.getUint32(0) + v.getUint32(4) + v.getUint32(8) + v.getUint32(12)
  }],
  ['decode 1 KiB packet', 'decodePacket (views)', () => decodePacket(packet1k)],
  // A WebSocket frame arrives in a fresh buffer per message: what does the payload cost?
  ['small payload of a fresh frame (64 B)', 'baseline: the fresh frame buffer alone', () => Buffer.from(frame64)],
  ['small payload of a fresh frame (64 B)', 'view (subarray)', () => Buffer.from(frame64).subarray(frameHead)],
  ['small payload of a fresh frame (64 B)', 'decodePacket (copies up to COPY_SMALL_PAYLOAD)', () =>
    decodePacket(Buffer.from(frame64))],
  ['16 small payloads of one fresh read (64 B each)', 'baseline: the fresh read alone', () => Buffer.from(read16)],
  ['16 small payloads of one fresh read (64 B each)', 'views (subarray)', () =>
    payloadsOf((read, at) => read.subarray(at, at + 64))],
  ['16 small payloads of one fresh read (64 B each)', 'copies (copyOut, as TcpFramer does)', () =>
    payloadsOf((read, at) => copyOut(read, at, 64))],
  [`frame 1 MiB stream (${count} packets, 64 KiB chunks)`, 'baseline: copy every chunk once (slice)', () => {
    let s = 0
    for (const c of chunks) s += c.slice().length
    return s
  }],
  [`frame 1 MiB stream (${count} packets, 64 KiB chunks)`, 'TcpFramer.push', () => {
    const f = new TcpFramer()
    let n = 0
    for (const c of chunks) f.push(c, () => n++)
    if (n !== count) throw new Error(`framer produced ${n} packets, expected ${count}`)
    return n
  }],
]

if (tiny) {
  for (const [, , fn] of cases) for (let i = 0; i < 20; i++) fn()
  console.log(`codec bench tiny: ${cases.length} cases ok`)
} else {
  summary(() => {
    for (const g of new Set(cases.map((c) => c[0]))) {
      group(g, () => {
        for (const [, name, fn] of cases.filter((c) => c[0] === g)) bench(name, fn)
      })
    }
  })
  const res = await run({ throw: true })
  await writeResults('codec', res, { packetsPerStream: count, streamBytes: streamBytes.length })
}
