// Per-message cost of the server's receive→handler→send path without sockets: the
// app runs on mount() with a fake connection, fed a 1 MiB stream of 64-byte echo
// packets (16 per chunk, as socket reads carry them) through the real TcpFramer. Baseline: the framer alone on the same stream.
//   bun bench/hotpath.bench.ts             full (writes bench/results/hotpath.*)
//   BENCH_TINY=1 bun bench/hotpath.bench.ts
//   bun bench/hotpath.bench.ts --cpu 300   CPU ns per packet (for A/B on a busy box)
//   add --fresh: each chunk is copied into a new buffer first, as Bun hands out a new one
//   per read (the first view of a fresh buffer costs more, see frame-arena.ts)
import { bench, group, run, summary } from 'mitata'
import { Msgtrans } from '../src/index.ts'
import { encodePacket, routeExt, TcpFramer, type Packet } from '../src/protocol/index.ts'
import { NullConnection } from './null-connection.ts'
import { poolBuffers } from '../src/app/pooled.ts'
import { loadNative } from '../src/native/index.ts'
import { writeResults } from './results.ts'

const tiny = process.env.BENCH_TINY === '1'
// Batches like a TCP connection (sends are encoded in place into a pooled buffer, flushed
// after each chunk) and discards what it writes.
const conn = new NullConnection(poolBuffers(loadNative().buffers))
const batch = conn.batch
const handlers = new Msgtrans({ log: () => {} })
  .message('echo', { codec: 'raw' }, ({ body, session }) => {
    session.send('echo', body)
  })
  .mount()
handlers.open(conn)

const one = encodePacket({ id: 1, ext: routeExt('echo'), flags: 4, payload: new Uint8Array(64).fill(1) })
const count = Math.floor((1 << 20) / one.length)
const stream = new Uint8Array(count * one.length)
for (let i = 0; i < count; i++) stream.set(one, i * one.length)
const chunks: Uint8Array[] = []
// 16 packets per chunk, what a socket read carries in the e2e echo run (100 conns x 16).
const CHUNK = 16 * one.length
for (let o = 0; o < stream.length; o += CHUNK) chunks.push(stream.subarray(o, o + CHUNK))

// --fresh: every chunk is a new buffer, as Bun hands out a new one per socket read.
const fresh = process.argv.includes('--fresh')
const readOf = (c: Uint8Array) => {
  if (!fresh) return c
  const b = Buffer.allocUnsafe(c.length)
  b.set(c)
  return b
}

function echoStream(): number {
  const framer = new TcpFramer()
  let n = 0
  const deliver = (p: Packet) => (n++, handlers.packet(conn, p))
  for (const c0 of chunks) {
    const c = readOf(c0)
    // As TcpConnection's data callback: corked while the chunk is handled, then one write.
    batch.cork()
    framer.push(c, deliver)
    batch.uncork()
  }
  return n
}
function framerOnly(): number {
  const framer = new TcpFramer()
  let n = 0
  for (const c of chunks) framer.push(readOf(c), () => n++)
  return n
}

/** CPU ns per packet over `iters` runs (user+system time: robust to a busy, shared box). */
function cpuPerPacket(fn: () => number, iters: number): number {
  for (let i = 0; i < 30; i++) fn()
  const t0 = process.cpuUsage()
  for (let i = 0; i < iters; i++) fn()
  const t = process.cpuUsage(t0)
  return ((t.user + t.system) * 1000) / (iters * count)
}

const cpuArg = process.argv.indexOf('--cpu')
if (cpuArg >= 0) {
  // `bun bench/hotpath.bench.ts --cpu 300`: CPU time per packet, framer alone and full path.
  const iters = Number(process.argv[cpuArg + 1] ?? 300)
  const framer = cpuPerPacket(framerOnly, iters)
  const full = cpuPerPacket(echoStream, iters)
  console.log(JSON.stringify({ framerNsPerPacket: +framer.toFixed(1), echoNsPerPacket: +full.toFixed(1), iters }))
} else if (tiny) {
  conn.bytes = 0
  if (echoStream() !== count) throw new Error('echo path lost packets')
  batch.flush()
  if (conn.bytes !== count * one.length) throw new Error(`echo wrote ${conn.bytes} bytes, expected ${count * one.length}`)
  console.log(`hotpath bench tiny: ${count} packets echoed`)
} else {
  summary(() => {
    group(`${count} echo packets (64 B payload) per iteration`, () => {
      bench('baseline: framer only', framerOnly)
      bench('framer + dispatch + handler + send', echoStream)
    })
  })
  const res = await run({ throw: true })
  await writeResults('hotpath', res, { packetsPerIteration: count })
}
