/**
 * Cluster benchmarks (issue 6), results in bench/results/cluster.{json,md}:
 *  1. scaling: TCP echo 64 B (100 conns x 16 in flight) against 1 and 2 workers, driven by
 *     the Rust load generator; msgs/s and msgs per server CPU-second;
 *  2. cross-worker vs same-worker send: app.send() bursts to one receiving session from a
 *     route on the other worker vs on its own worker; server CPU per message from the
 *     per-thread run time in /proc/<pid>/task/<tid>/schedstat (ns).
 *
 *   bun bench/cluster.ts              full (~1 min)
 *   BENCH_TINY=1 bun bench/cluster.ts tiny (~10 s) -> cluster-tiny.*
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { connect, type Client } from '../src/index.ts'
import { loadgenBinary } from './loadgen/bin.ts'
import { canPin, runLoadgen, LOADGEN_CPU, type LoadgenReport } from './e2e-procs.ts'

const tiny = process.env.BENCH_TINY === '1'
const outDir = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : join(import.meta.dir, 'results')
const base = tiny ? 'cluster-tiny' : 'cluster'
const DURATION = tiny ? 0.5 : 5
const WARMUP = tiny ? 0.2 : 1
const BURST = tiny ? 5_000 : 100_000
const ROUNDS = tiny ? 2 : 9

interface Proc {
  pid: number
  tcp: number
  ws: number
  native: string
  workers: Array<{ cpu: number; pinned: boolean }>
  stop(): Promise<void>
}

function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const p = l.port
  l.stop(true)
  return p
}

async function startCluster(workers: number, cpuList?: string): Promise<Proc> {
  const env = { ...process.env, NODE_ENV: 'production', WORKERS: String(workers), TCP_PORT: String(freePort()), WS_PORT: String(freePort()) }
  const argv = [process.execPath, join(import.meta.dir, 'servers', 'cluster-echo.ts')]
  // With a CPU list the whole process (and so every worker's placement) is limited to it.
  const proc = Bun.spawn(cpuList ? ['taskset', '-c', cpuList, ...argv] : argv, { env, stdout: 'pipe', stderr: 'pipe' })
  const reader = proc.stdout.getReader()
  let text = ''
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)])
    if (!chunk || chunk.done) break
    text += new TextDecoder().decode(chunk.value)
    const line = text.split('\n').find((l) => l.startsWith('{"ready"'))
    if (!line) continue
    const r = JSON.parse(line)
    return {
      ...r,
      async stop() {
        proc.kill('SIGTERM')
        const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(8_000).then(() => false)])
        if (!done) proc.kill('SIGKILL')
        await proc.exited
      },
    }
  }
  proc.kill('SIGKILL')
  throw new Error(`cluster server did not start: ${text}\n${await new Response(proc.stderr).text()}`)
}

/** Run time of every thread of `pid` so far, ns (schedstat: exact, unlike utime ticks). */
function processRunNs(pid: number): number {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {}
  }
  return ns
}

async function scaling(bin: string, pin: boolean) {
  const rows = []
  // 1 worker on CPU 0; 2 workers on CPUs 0 and 1 (worker 1 shares CPU 1 with the load
  // generator); 2 workers both on CPU 0 (time-shared, no generator beside them): the
  // last isolates what workers cost each other from what the generator costs worker 1.
  const configs: Array<{ workers: number; cpus?: string }> = [{ workers: 1 }, { workers: 2 }]
  if (pin) configs.push({ workers: 2, cpus: '0' })
  for (const { workers, cpus } of configs) {
    const s = await startCluster(workers, cpus)
    try {
      const args = {
        transport: 'tcp', mode: 'echo', host: '127.0.0.1', port: s.tcp, route: 'echo',
        conns: tiny ? 8 : 100, depth: tiny ? 8 : 16, size: 64, duration: DURATION, warmup: WARMUP,
      }
      const r: LoadgenReport = await runLoadgen(bin, args, s.pid, pin)
      const cpu = r.server_cpu?.cpu_s ?? 0
      rows.push({
        workers,
        pinned: s.workers.map((w) => (w.pinned ? w.cpu : -1)),
        msgs_per_s: Math.round(r.msgs_per_s),
        server_cpu_util: round(r.server_cpu?.util ?? 0, 2),
        msgs_per_server_cpu_s: cpu > 0 ? Math.round(r.msgs / cpu) : 0,
        loadgen_cpu_util: round(r.loadgen_cpu.util, 2),
        p50_us: r.latency_us?.p50 ?? null,
        p99_us: r.latency_us?.p99 ?? null,
        errors: r.errors.total,
      })
    } finally {
      await s.stop()
    }
  }
  return rows
}

async function join2(s: Proc): Promise<Array<{ client: Client; worker: number; id: number }>> {
  const by: Array<{ client: Client; worker: number; id: number } | undefined> = [undefined, undefined]
  for (let i = 0; i < 64 && (!by[0] || !by[1]); i++) {
    const client = await connect(`tcp://127.0.0.1:${s.tcp}`)
    const me = await client.request<{ worker: number; id: number }>('whoami')
    if (by[me.worker]) client.close()
    else by[me.worker] = { client, ...me }
  }
  if (!by[0] || !by[1]) throw new Error('could not reach both workers')
  return by as Array<{ client: Client; worker: number; id: number }>
}

/**
 * Receivers on worker 1; bursts driven from worker 1 (same) and worker 0 (cross). With
 * one receiver consecutive sends coalesce into one run per turn; with several (round
 * robin) every send is its own record: the worst case for the cross-worker path.
 */
async function crossVsSame(receivers: number) {
  const s = await startCluster(2)
  const opened: Client[] = []
  try {
    const [w0, w1] = await join2(s)
    opened.push(w0!.client, w1!.client)
    const rxs: Array<{ client: Client; id: number }> = []
    for (let i = 0; i < 64 * receivers && rxs.length < receivers; i++) {
      const c = await connect(`tcp://127.0.0.1:${s.tcp}`)
      opened.push(c)
      const me = await c.request<{ worker: number; id: number }>('whoami')
      if (me.worker === 1) rxs.push({ client: c, id: me.id })
    }
    if (rxs.length < receivers) throw new Error('not enough receivers on worker 1')
    return { receivers, ...(await measure(s, rxs, w0!.client, w1!.client)) }
  } finally {
    for (const c of opened) c.close()
    await s.stop()
  }
}

async function measure(s: Proc, rxs: Array<{ client: Client; id: number }>, cross: Client, same: Client) {
  let got = 0
  for (const rx of rxs) rx.client.on('sink', () => got++)
  const ids = rxs.map((r) => r.id)
  const samples: Record<'same' | 'cross', number[]> = { same: [], cross: [] }
  const wall: Record<'same' | 'cross', number[]> = { same: [], cross: [] }
  // Warm both paths once.
  for (const c of [same, cross]) {
    const target = got + 1_000
    await c.request('burst', { ids, n: 1_000 })
    await until(() => got >= target)
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['same', 'cross'] as const) {
      const driver = kind === 'same' ? same : cross
      const target = got + BURST
      const t0 = performance.now()
      const ns0 = processRunNs(s.pid)
      const r = await driver.request<{ sent: number }>('burst', { ids, n: BURST })
      await until(() => got >= target)
      const ns = processRunNs(s.pid) - ns0
      if (r.sent !== BURST) throw new Error(`${kind}: only ${r.sent} of ${BURST} sent`)
      samples[kind].push(ns / BURST)
      wall[kind].push(performance.now() - t0)
    }
  }
  const same_ns = median(samples.same)
  const cross_ns = median(samples.cross)
  // The box is shared: the fastest round is the least disturbed one.
  const sameMin = Math.min(...samples.same)
  const crossMin = Math.min(...samples.cross)
  return {
    burst: BURST,
    rounds: ROUNDS,
    path: s.native === 'zig' ? 'native-queue' : 'postMessage',
    same_worker_ns_per_msg: Math.round(same_ns),
    cross_worker_ns_per_msg: Math.round(cross_ns),
    ratio: round(cross_ns / same_ns, 2),
    same_worker_ns_per_msg_min: Math.round(sameMin),
    cross_worker_ns_per_msg_min: Math.round(crossMin),
    ratio_min: round(crossMin / sameMin, 2),
    same_wall_ms: Math.round(median(wall.same)),
    cross_wall_ms: Math.round(median(wall.cross)),
  }
}

async function until(cond: () => boolean, ms = 60_000) {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries')
    await Bun.sleep(1)
  }
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d

const pin = canPin()
const load0 = loadavg()[0]!
const bin = loadgenBinary()
const scale = process.argv.includes('--cross-only') ? [] : await scaling(bin, pin)
const crossNative = await crossVsSame(1)
const crossNativeSpread = await crossVsSame(8)
const prevNative = process.env.MSGTRANS_NATIVE
process.env.MSGTRANS_NATIVE = '0'
const crossTs = await crossVsSame(1)
if (prevNative === undefined) delete process.env.MSGTRANS_NATIVE
else process.env.MSGTRANS_NATIVE = prevNative
const report = {
  when: new Date().toISOString(),
  machine: { cpus: navigator.hardwareConcurrency, loadavg_start: round(load0, 2), loadavg_end: round(loadavg()[0]!, 2) },
  command: tiny ? 'BENCH_TINY=1 bun bench/cluster.ts' : 'bun bench/cluster.ts',
  loadgen_pinned_cpu: pin ? LOADGEN_CPU : null,
  scaling: scale,
  efficiency_2_vs_1: scale[0]?.msgs_per_server_cpu_s ? round(scale[1]!.msgs_per_server_cpu_s / scale[0]!.msgs_per_server_cpu_s, 2) : null,
  efficiency_2_on_one_cpu_vs_1:
    scale[0]?.msgs_per_server_cpu_s && scale[2] ? round(scale[2].msgs_per_server_cpu_s / scale[0].msgs_per_server_cpu_s, 2) : null,
  cross_vs_same: [crossNative, crossNativeSpread, crossTs],
}
mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, `${base}.json`), JSON.stringify(report, null, 2) + '\n')
writeFileSync(join(outDir, `${base}.md`), markdown(report))
console.log(JSON.stringify(report))

function markdown(r: typeof report): string {
  const lines = [
    `# Cluster benchmark (${r.command})`,
    '',
    `${r.when}, ${r.machine.cpus} CPUs, load average ${r.machine.loadavg_start} -> ${r.machine.loadavg_end}; ` +
      `load generator ${r.loadgen_pinned_cpu === null ? 'unpinned' : `pinned to CPU ${r.loadgen_pinned_cpu}`}, workers pinned by the NUMA plan.`,
    '',
    '## Scaling: TCP echo 64 B, one-way, pipelined',
    '',
    '| workers | pinned CPUs | msgs/s | server CPU util | msgs per server CPU-s | loadgen CPU util | p50 µs | p99 µs | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.scaling.map((s) =>
      `| ${s.workers} | ${s.pinned.join(',')} | ${s.msgs_per_s} | ${s.server_cpu_util} | ${s.msgs_per_server_cpu_s} | ${s.loadgen_cpu_util} | ${s.p50_us} | ${s.p99_us} | ${s.errors} |`),
    '',
    `Efficiency (msgs per server CPU-s, 2 workers / 1 worker): **${r.efficiency_2_vs_1}** (target >= 0.85); ` +
      `2 workers both on CPU 0 / 1 worker: **${r.efficiency_2_on_one_cpu_vs_1 ?? '-'}** (no load generator beside a worker).`,
    '',
    '## Cross-worker vs same-worker send (server CPU per message)',
    '',
    '| path | receivers | burst | same-worker ns/msg (median / min) | cross-worker ns/msg (median / min) | ratio (median / min) | same wall ms | cross wall ms |',
    '|---|---|---|---|---|---|---|---|',
    ...r.cross_vs_same.map((c) =>
      `| ${c.path} | ${c.receivers} | ${c.burst} x ${c.rounds} | ${c.same_worker_ns_per_msg} / ${c.same_worker_ns_per_msg_min} | ` +
      `${c.cross_worker_ns_per_msg} / ${c.cross_worker_ns_per_msg_min} | ${c.ratio} / ${c.ratio_min} | ${c.same_wall_ms} | ${c.cross_wall_ms} |`),
    '',
    'Per-message cost = run time of all server threads (schedstat) during the burst / messages; it includes',
    'encoding and the socket write to the receiver, which both paths pay. Target: ratio <= 1.3 (native path).',
    '',
  ]
  return lines.join('\n')
}
