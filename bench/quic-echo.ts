/**
 * QUIC echo throughput and latency beside TCP and WebSocket, same server process,
 * same run: N clients each keep W requests in flight for D seconds per transport.
 * Reports msgs/s, p50/p99 request latency, the server's CPU-seconds and msgs per
 * server CPU-second, and the QUIC/TCP ratio. The server is pinned to CPU 0 and this
 * load generator to CPU 1 when `taskset` exists.
 *
 *   bun bench/quic-echo.ts                 full run  -> bench/results/quic-echo.{json,md}
 *   BENCH_TINY=1 bun bench/quic-echo.ts    ~0.3 s per transport -> quic-echo-tiny.*
 *   options: --out DIR, --seconds S, --clients N, --window W, --size BYTES,
 *            --client (load through our full Client instead of raw pre-encoded packets)
 */
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { connect, type Client } from '../src/client/index.ts'
import { rawLoad } from './quic-load.ts'

type Transport = 'tcp' | 'ws' | 'quic'
interface Row {
  transport: Transport
  msgs: number
  seconds: number
  msgsPerS: number
  p50Ms: number
  p99Ms: number
  serverCpuS: number
  msgsPerServerCpuS: number
}

const argv = process.argv.slice(2)
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : def
}
const tiny = process.env.BENCH_TINY === '1' || argv.includes('--tiny')
const outDir = argv.includes('--out') ? argv[argv.indexOf('--out') + 1]! : join(import.meta.dir, 'results')
const seconds = opt('seconds', tiny ? 0.3 : 5)
const clients = opt('clients', tiny ? 2 : 4)
const windowSize = opt('window', tiny ? 8 : 32)
const size = opt('size', 64)
const viaClient = argv.includes('--client')
const MAX_RUN_MS = 60_000

const haveTaskset = Bun.spawnSync(['sh', '-c', 'command -v taskset']).exitCode === 0 && os.cpus().length > 1
if (haveTaskset) Bun.spawnSync(['taskset', '-cp', '1', String(process.pid)])
const server = Bun.spawn(
  [...(haveTaskset ? ['taskset', '-c', '0'] : []), process.execPath, join(import.meta.dir, 'quic-server.ts')],
  { stdin: 'pipe', stdout: 'pipe', stderr: 'ignore' },
)
const lines = serverLines()
const ports = (JSON.parse(await nextLine()) as { ports: Record<Transport, number> }).ports

const rows: Row[] = []
try {
  for (const transport of ['tcp', 'ws', 'quic'] as const) rows.push(await runTransport(transport))
} finally {
  server.stdin.write('exit\n')
  server.stdin.flush()
  const killer = setTimeout(() => server.kill(), 3_000)
  await server.exited
  clearTimeout(killer)
}

const byName = (t: Transport) => rows.find((r) => r.transport === t)!
const ratio = byName('quic').msgsPerS / byName('tcp').msgsPerS
const cpuRatio = byName('quic').msgsPerServerCpuS / byName('tcp').msgsPerServerCpuS
await writeReport()
console.log(`quic-echo${tiny ? ' tiny' : ''}: ${rows.length} transports ok, QUIC/TCP throughput ratio ${ratio.toFixed(3)}`)

async function runTransport(transport: Transport): Promise<Row> {
  if (!viaClient) {
    const cpu0 = await serverCpuUs()
    const t0 = performance.now()
    const stopAt = t0 + seconds * 1000
    const per = await Promise.all(
      Array.from({ length: clients }, () => rawLoad(transport, ports[transport], { window: windowSize, size, stopAt })),
    )
    return summarize(transport, per.flat(), (performance.now() - t0) / 1000, ((await serverCpuUs()) - cpu0) / 1e6)
  }
  const url = `${transport}://127.0.0.1:${ports[transport]}`
  const cs: Client[] = await Promise.all(
    Array.from({ length: clients }, () => connect(url, { insecure: true, timeout: 10_000 } as never)),
  )
  const payload = new Uint8Array(size).fill(7)
  await Promise.all(cs.map((c) => c.request({ biz: 1 }, payload, { raw: true }))) // warm up
  const cpu0 = await serverCpuUs()
  const latencies: number[] = []
  const t0 = performance.now()
  const stopAt = t0 + seconds * 1000
  const worker = async (c: Client) => {
    while (performance.now() < stopAt && performance.now() - t0 < MAX_RUN_MS) {
      const s = performance.now()
      await c.request({ biz: 1 }, payload, { raw: true })
      latencies.push(performance.now() - s)
    }
  }
  await Promise.all(cs.flatMap((c) => Array.from({ length: windowSize }, () => worker(c))))
  const elapsed = (performance.now() - t0) / 1000
  const serverCpuS = ((await serverCpuUs()) - cpu0) / 1e6
  await Promise.all(cs.map((c) => c.close()))
  return summarize(transport, latencies, elapsed, serverCpuS)
}

function summarize(transport: Transport, latencies: number[], elapsed: number, serverCpuS: number): Row {
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  return {
    transport,
    msgs: latencies.length,
    seconds: elapsed,
    msgsPerS: latencies.length / elapsed,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    serverCpuS,
    msgsPerServerCpuS: latencies.length / Math.max(serverCpuS, 1e-9),
  }
}

async function serverCpuUs(): Promise<number> {
  server.stdin.write('cpu\n')
  server.stdin.flush()
  return (JSON.parse(await nextLine()) as { cpuUs: number }).cpuUs
}

function serverLines(): AsyncIterator<string> {
  return (async function* () {
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of server.stdout as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true })
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.startsWith('{')) yield line
      }
    }
  })()
}

async function nextLine(): Promise<string> {
  const timer = setTimeout(() => {
    console.error('quic-echo: server did not answer within 10 s')
    process.exit(1)
  }, 10_000)
  const r = await lines.next()
  clearTimeout(timer)
  if (r.done) throw new Error('quic-echo: server exited')
  return r.value
}

async function writeReport(): Promise<void> {
  const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, date: new Date().toISOString() }
  const config = { seconds, clients, window: windowSize, payloadBytes: size, pinned: haveTaskset, tiny, viaClient }
  const name = tiny ? 'quic-echo-tiny' : 'quic-echo'
  await mkdir(outDir, { recursive: true })
  await Bun.write(join(outDir, `${name}.json`), JSON.stringify({ machine, config, ratio, cpuRatio, rows }, null, 2))
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
  const md = [
    `# QUIC echo beside TCP and WebSocket (${machine.cpu}, ${machine.cores} cores, bun ${machine.bun}, ${machine.date})`,
    '',
    `${clients} ${viaClient ? 'msgtrans clients' : 'raw pipelined connections'} x ${windowSize} requests in flight,` +
      ` ${size}-byte payload, ${seconds} s per transport,` +
      ` server ${haveTaskset ? 'on CPU 0, load on CPU 1' : 'unpinned'}. Command: \`bun bench/quic-echo.ts\`.`,
    '',
    '| transport | msgs/s | p50 | p99 | server CPU-s | msgs per server CPU-s |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.transport} | ${f(r.msgsPerS)} | ${f(r.p50Ms, 2)} ms | ${f(r.p99Ms, 2)} ms | ${f(r.serverCpuS, 2)} |` +
        ` ${f(r.msgsPerServerCpuS)} |`,
    ),
    '',
    `QUIC/TCP throughput ratio: **${ratio.toFixed(3)}**; per server CPU-second: **${cpuRatio.toFixed(3)}**.`,
  ].join('\n')
  await Bun.write(join(outDir, `${name}.md`), md + '\n')
}
