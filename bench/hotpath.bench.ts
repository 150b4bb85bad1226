// Per-message cost of the server's receive→handler→send path without sockets: the
// app runs on mount() with a fake connection, fed a 1 MiB stream of 64-byte echo
// packets through the real TcpFramer. Baseline: the framer alone on the same stream.
//   bun bench/hotpath.bench.ts             full (writes bench/results/hotpath.*)
//   BENCH_TINY=1 bun bench/hotpath.bench.ts
import { bench, group, run, summary } from 'mitata'
import { Msgtrans } from '../src/index.ts'
import { encodePacket, routeExt, TcpFramer, type SendResult } from '../src/protocol/index.ts'
import type { Connection } from '../src/transport/index.ts'
import { writeResults } from './results.ts'

const tiny = process.env.BENCH_TINY === '1'
let written = 0
const conn: Connection = {
  transport: 'tcp',
  remoteAddress: '127.0.0.1',
  bufferedAmount: 0,
  closed: false,
  write(p: Uint8Array): SendResult {
    written += p.length
    return 'sent'
  },
  close() {},
}
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
for (let o = 0; o < stream.length; o += 65536) chunks.push(stream.subarray(o, o + 65536))

function echoStream(): number {
  const framer = new TcpFramer()
  let n = 0
  for (const c of chunks) framer.push(c, (p) => (n++, handlers.packet(conn, p)))
  return n
}
function framerOnly(): number {
  const framer = new TcpFramer()
  let n = 0
  for (const c of chunks) framer.push(c, () => n++)
  return n
}

if (tiny) {
  written = 0
  if (echoStream() !== count || written !== count * one.length) throw new Error('echo path lost packets')
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
