// Allocation per message on the server's hot path, native core vs pure-TS fallback.
// Each case runs in a child process with JSC's GC log on (BUN_JSC_logGC=1); the parent
// counts collections, sums "bytes allocated this cycle" and reads the collections'
// pauses over a steady-state run; the child reports its heap (JS objects and memory the
// engine counts for ArrayBuffers) after a full collection at the end.
//   bun bench/alloc.bench.ts                  1M messages per case, writes bench/results/alloc.*
//   BENCH_TINY=1 bun bench/alloc.bench.ts     20k messages per case
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { heapStats } from 'bun:jsc'
import { Msgtrans } from '../src/index.ts'
import { encodePacket, routeExt, TcpFramer, type Packet } from '../src/protocol/index.ts'
import { NullConnection } from './null-connection.ts'

const tiny = process.env.BENCH_TINY === '1'
const N = tiny ? 20_000 : 1_000_000

function runCase(kind: string): void {
  const app = new Msgtrans({ log: () => {} })
    .message('echo', { codec: 'raw' }, ({ body, session }) => void session.send('echo', body))
    .message('pub', { codec: 'raw' }, ({ body, publish }) => void publish('t', 'feed', body))
  const h = app.mount()
  const conns = Array.from({ length: kind === 'publish' ? 11 : 1 }, () => new NullConnection())
  for (const c of conns) h.open(c)
  const route = kind === 'publish' ? 'pub' : 'echo'
  if (kind === 'publish') for (const s of app.sessions.values()) if (s.connection !== conns[0]) s.subscribe('t')
  const one = encodePacket({ id: 1, ext: routeExt(route), flags: 4, payload: new Uint8Array(64).fill(1) })
  // 'echo' and 'publish' feed one 64 KiB chunk again and again: only msgtrans allocates.
  // The '-reads' cases feed 16 packets per read in a fresh buffer each, as Bun hands out
  // socket reads; 'reads' only makes those buffers (what any server on Bun allocates).
  const fresh = kind.endsWith('reads')
  const perChunk = fresh ? 16 : Math.floor(65536 / one.length)
  const chunk = new Uint8Array(perChunk * one.length)
  for (let i = 0; i < perChunk; i++) chunk.set(one, i * one.length)
  const framer = new TcpFramer()
  const deliver = (p: Packet) => h.packet(conns[0]!, p)
  let sink = 0
  const feed = (count: number) => {
    for (let done = 0; done < count; done += perChunk) {
      if (!fresh) framer.push(chunk, deliver)
      else {
        const read = Buffer.allocUnsafe(chunk.length)
        read.set(chunk)
        if (kind === 'reads') sink += read[0]!
        else framer.push(read, deliver)
      }
    }
  }
  feed(Math.min(N, 100_000)) // warm up the JIT before measuring
  Bun.gc(true)
  console.error('MEASURE-START')
  const t0 = performance.now()
  feed(N)
  const ms = performance.now() - t0
  console.error('MEASURE-END')
  const out = conns.reduce((s, c) => s + c.bytes, 0)
  Bun.gc(true)
  const heap = heapStats()
  if (kind !== 'reads' && out === 0) throw new Error(`alloc case ${kind} wrote nothing`)
  console.log(JSON.stringify({ kind, native: app.native.kind, messages: N, ms, bytesOut: out, checksum: sink, heapBytes: heap.heapSize, extraBytes: heap.extraMemorySize }))
}

interface Row {
  kind: string
  native: string
  messages: number
  ms: number
  gcs: number
  allocatedBytes: number
  bytesPerMessage: number
  gcsPerMillion: number
  /** Live JS heap after the run (full collection), and what ArrayBuffers add to it. */
  heapBytes: number
  extraBytes: number
  /** Collection pauses during the measured window, ms. */
  pauseP50Ms: number | null
  pauseMaxMs: number | null
}

async function measure(kind: string, native: boolean): Promise<Row> {
  const proc = Bun.spawn([process.execPath, import.meta.path, '--case', kind], {
    env: { ...process.env, BUN_JSC_logGC: '1', MSGTRANS_NATIVE: native ? '1' : '0' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`alloc case ${kind} failed: ${err.slice(-2000)}`)
  const window = err.slice(err.indexOf('MEASURE-START'), err.indexOf('MEASURE-END'))
  const allocated = [...window.matchAll(/bytes allocated this cycle: (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0)
  const gcs = [...window.matchAll(/: START /g)].length
  const pauses = [...window.matchAll(/ p=([0-9.]+)ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b)
  const r = JSON.parse(out.trim().split('\n').pop()!)
  return {
    ...r,
    gcs,
    pauseP50Ms: pauses.length ? pauses[Math.floor(pauses.length / 2)]! : null,
    pauseMaxMs: pauses.length ? pauses.at(-1)! : null,
    allocatedBytes: allocated,
    bytesPerMessage: allocated / r.messages,
    gcsPerMillion: (gcs * 1e6) / r.messages,
  }
}

const fmt = (ms: number | null) => (ms === null ? '-' : ms.toFixed(2))
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

const caseArg = process.argv.indexOf('--case')
if (caseArg > 0) {
  runCase(process.argv[caseArg + 1]!)
} else {
  const rows: Row[] = []
  for (const kind of ['echo', 'publish']) for (const native of [true, false]) rows.push(await measure(kind, native))
  for (const kind of ['reads', 'echo-reads']) rows.push(await measure(kind, true))
  for (const r of rows) {
    console.log(`${r.kind.padEnd(8)} ${r.native.padEnd(4)} ${r.bytesPerMessage.toFixed(1)} B/msg allocated, ${r.gcsPerMillion.toFixed(1)} GCs per 1M msgs, pause p50 ${fmt(r.pauseP50Ms)} ms max ${fmt(r.pauseMaxMs)} ms, heap ${mib(r.heapBytes)} MiB (ArrayBuffers ${mib(r.extraBytes)}), ${((r.messages / r.ms) * 1000).toFixed(0)} msgs/s`)
  }
  if (!tiny) {
    const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, date: new Date().toISOString() }
    await mkdir('bench/results', { recursive: true })
    await Bun.write('bench/results/alloc.json', JSON.stringify({ machine, rows }, null, 2))
    const md = [
      `# allocation per message (${machine.cpu}, bun ${machine.bun}, ${machine.date})`,
      '',
      'Command: `bun bench/alloc.bench.ts`. 64-byte raw payloads through framer → dispatch → handler →',
      'send (echo) or publish to 10 subscribers (publish); counted from JSC GC logs in steady state.',
      'echo and publish feed one chunk again and again; echo-reads feeds 16 packets per read in a',
      'fresh buffer, as Bun delivers socket reads, and reads is those buffers alone (their share is',
      'what any server on Bun allocates).',
      '',
      'Heap: live JS heap after a full collection at the end, of which ArrayBuffers (the',
      'memory the engine counts for them, e.g. pool slabs seen from JS); pauses: JSC collections',
      'in the measured window.',
      '',
      '| case | core | bytes allocated / msg | GCs / 1M msgs | pause p50 / max ms | heap MiB (ArrayBuffers) | msgs/s (in-process) |',
      '|---|---|--:|--:|--:|--:|--:|',
      ...rows.map(
        (r) =>
          `| ${r.kind} | ${r.native} | ${r.bytesPerMessage.toFixed(1)} | ${r.gcsPerMillion.toFixed(1)} | ${fmt(r.pauseP50Ms)} / ${fmt(r.pauseMaxMs)} | ${mib(r.heapBytes)} (${mib(r.extraBytes)}) | ${((r.messages / r.ms) * 1000).toFixed(0)} |`,
      ),
    ].join('\n')
    await Bun.write('bench/results/alloc.md', md + '\n')
  }
}
