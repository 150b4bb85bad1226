/**
 * End-to-end load benchmark (issue 5): the msgtrans server against raw Bun baselines
 * measured in the same run, server pinned to CPU 0, Rust load generator on CPU 1.
 *
 *   bun bench/e2e.ts                  full run  -> bench/results/e2e.json + e2e.md
 *   BENCH_TINY=1 bun bench/e2e.ts     ~1 s per scenario, few connections -> e2e-tiny.*
 *   options: --tiny, --out DIR, --only name1,name2, --pairs N
 *
 * A scenario with a baseline runs msgtrans and the baseline N times, alternating (default
 * 5, tiny 1), and reports the median of the N ratios with their range: single runs on the
 * shared dev box moved by ±20%, and alternating spreads a slow spell over both sides
 * (with 3 pairs one bad pair still moved a median by 0.1-0.3).
 * The echo scenarios also run a floor server in every pair (the same v1 echo with no
 * framework, bench/servers/floor-*.ts): its ratio to the raw baseline is what framing
 * alone leaves on this runtime, the reference for a framework's ratio (not a hard bound:
 * the floor is the least work we know of, and runs are noisy).
 *
 * Exits non-zero when a run fails (no report, a server that did not start, errors, or
 * no messages moved); the report is written either way.
 */
import { mkdir } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { loadgenBinary, loadgenKey } from './loadgen/bin.ts'
import { canPin, runLoadgen, startServer, type LoadgenReport, type ServerKind } from './e2e-procs.ts'
import { machineInfo, renderMarkdown, summarize, type RunSummary } from './e2e-report.ts'

type LgArgs = Record<string, string | number>

interface Run {
  server: ServerKind
  port: 'tcp' | 'ws'
  args: LgArgs
}

/** A scenario: the msgtrans run, and optionally a baseline compared on `metric`. */
export interface Scenario {
  name: string
  title: string
  metric: 'msgs_per_s' | 'bytes_per_s'
  /** Issue 5 target, as text and as a ratio when it is one. */
  target: string
  targetRatio?: number
  subject: Run
  baseline?: Run
  /**
   * A second baseline run in every pair: the same v1 echo with no framework around it
   * (bench/servers/floor-*.ts), so the report shows what framing alone costs.
   */
  floor?: Run
  /** Request/response: find the max, then run at this fraction of it at a fixed rate. */
  fixedRateAt?: number
  /**
   * More fixed rates (fractions of the max) for a latency sweep, each also run against
   * `sweepBaseline` (a raw echo of the same size): where does p99 stay under 1 ms?
   */
  sweep?: number[]
  sweepBaseline?: Run
}

/** The highest fixed rate of a sweep whose p99 was under 1 ms with a punctual generator. */
export interface SweepVerdict {
  msgtrans: number | null
  baseline: number | null
}

export interface ScenarioResult {
  name: string
  title: string
  metric: Scenario['metric']
  target: string
  targetRatio: number | null
  ratio: number | null
  /** The same ratio per server CPU-second: robust when neighbours take CPU from the server. */
  cpuRatio: number | null
  /** Every pair's ratio (msgtrans run i / baseline run i), in run order. */
  ratios: number[]
  cpuRatios: number[]
  /** Floor server / baseline (median, and per pair): what framing alone leaves. */
  floorRatio: number | null
  floorRatios: number[]
  /** msgtrans / floor server (median, and per pair): what the framework costs. */
  vsFloor: number | null
  vsFloors: number[]
  met: boolean | null
  runs: RunSummary[]
  sweep?: SweepVerdict
}

const argv = process.argv.slice(2)
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}
const tiny = process.env.BENCH_TINY === '1' || argv.includes('--tiny')
const outDir = opt('out') ?? join(import.meta.dir, 'results')
const only = opt('only')?.split(',')
const pairs = Math.max(1, Number(opt('pairs') ?? (tiny ? 1 : 5)))

/** Full or tiny size of a knob. */
const size = (full: number, small: number) => (tiny ? small : full)
const timing = { duration: size(5, 1), warmup: size(1, 0.2) }
const KiB = 1024
/** Fixed-rate runs whose own sends were later than this (p99) give no latency verdict. */
const MAX_SEND_LATENESS_US = 200

function scenarios(): Scenario[] {
  const echo = (transport: 'tcp' | 'ws', bytes: number, conns: number, depth: number): Run => ({
    server: 'msgtrans',
    port: transport,
    args: { transport, mode: 'echo', route: 'echo', size: bytes, conns, depth, ...timing },
  })
  const raw = (transport: 'tcp' | 'ws', bytes: number, conns: number, depth: number): Run => ({
    server: transport === 'tcp' ? 'raw-tcp' : 'raw-ws',
    port: transport,
    args: { transport, mode: 'raw', size: bytes, conns, depth, ...timing },
  })
  const vsRaw = (name: string, title: string, t: 'tcp' | 'ws', bytes: number, c: number, d: number) => ({
    name,
    title,
    subject: echo(t, bytes, c, d),
    baseline: raw(t, bytes, c, d),
  })
  // The floor server answers the same packets as msgtrans (mode echo, route echo).
  const withFloor = (t: 'tcp' | 'ws', s: ReturnType<typeof vsRaw>) => ({
    ...s,
    floor: { ...s.subject, server: t === 'tcp' ? 'floor-tcp' : 'floor-ws' } satisfies Run,
  })
  return [
    {
      ...withFloor('tcp', vsRaw('tcp-echo-64', 'TCP echo 64 B one-way, pipelined', 'tcp', 64, size(100, 4), size(16, 8))),
      metric: 'msgs_per_s',
      target: '>= 0.7x raw Bun.listen msgs/s',
      targetRatio: 0.7,
    },
    {
      name: 'tcp-rr-1k',
      title: 'TCP request/response 1 KiB: max, then fixed rate at half',
      metric: 'msgs_per_s',
      target: 'p99 < 1 ms at half of max',
      subject: {
        server: 'msgtrans',
        port: 'tcp',
        args: { mode: 'rr', route: 'rr', size: KiB, conns: size(16, 4), depth: size(8, 4), ...timing },
      },
      fixedRateAt: 0.5,
      sweep: tiny ? [0.25] : [0.25, 0.15, 0.08],
      sweepBaseline: raw('tcp', KiB, size(16, 4), size(8, 4)),
    },
    {
      ...withFloor('tcp', vsRaw('tcp-transfer-64k', 'TCP transfer 64 KiB packets (echo)', 'tcp', 64 * KiB, size(8, 2), 4)),
      metric: 'bytes_per_s',
      target: '>= 0.9x raw Bun.listen bytes/s',
      targetRatio: 0.9,
    },
    {
      ...withFloor('tcp', vsRaw('tcp-transfer-1m', 'TCP transfer 1 MiB packets (echo)', 'tcp', 1024 * KiB, size(4, 1), 2)),
      metric: 'bytes_per_s',
      target: '>= 0.9x raw Bun.listen bytes/s',
      targetRatio: 0.9,
    },
    {
      ...withFloor('ws', vsRaw('ws-echo-64', 'WebSocket echo 64 B', 'ws', 64, size(100, 4), size(16, 8))),
      metric: 'msgs_per_s',
      target: '>= 0.8x raw Bun.serve WebSocket msgs/s',
      targetRatio: 0.8,
    },
    {
      ...withFloor('ws', vsRaw('ws-echo-1k', 'WebSocket echo 1 KiB', 'ws', KiB, size(100, 4), size(16, 8))),
      metric: 'msgs_per_s',
      target: '>= 0.8x raw Bun.serve WebSocket msgs/s',
      targetRatio: 0.8,
    },
    {
      name: 'publish-1k',
      title: `Publish 1 KiB to ${size(1000, 20)} subscribers (msgs = deliveries)`,
      metric: 'msgs_per_s',
      target: 'deliveries/s (no baseline)',
      subject: {
        server: 'msgtrans',
        port: 'tcp',
        args: { mode: 'publish', route: 'pub', size: KiB, subscribers: size(1000, 20), conns: 1, depth: 16, ...timing },
      },
    },
  ]
}

/** One load generator run against a fresh server process. */
async function measure(bin: string, run: Run, pin: boolean, extra: LgArgs = {}): Promise<LoadgenReport> {
  const server = await startServer(run.server, pin)
  try {
    const port = server[run.port]
    if (!port) throw new Error(`${run.server} has no ${run.port} port`)
    return await runLoadgen(bin, { ...run.args, ...extra, port }, server.pid, pin)
  } finally {
    await server.stop()
  }
}

async function runScenario(bin: string, s: Scenario, pin: boolean): Promise<ScenarioResult> {
  const runs: RunSummary[] = []
  const subject = await measure(bin, s.subject, pin)
  runs.push(summarize('msgtrans', s.subject.server, subject, 'closed loop'))
  if (s.fixedRateAt !== undefined) {
    const rate = Math.max(1, Math.round(subject.msgs_per_s * s.fixedRateAt))
    const fixed = await measure(bin, s.subject, pin, { rate, depth: 1024 })
    runs.push(summarize('msgtrans', s.subject.server, fixed, `fixed ${rate}/s`))
  }
  const sweep = s.sweep?.length ? await runSweep(bin, s, pin, subject.msgs_per_s, runs) : undefined
  const ratios: number[] = []
  const cpuRatios: number[] = []
  const floorRatios: number[] = []
  const vsFloors: number[] = []
  if (s.baseline) {
    // Pairs, alternating: msgtrans (the first is the run above), the baseline, the floor.
    for (let i = 0; i < pairs; i++) {
      const phase = pairs > 1 ? `closed loop #${i + 1}` : 'closed loop'
      if (i === 0) runs[0]!.phase = phase
      const mine = i === 0 ? subject : await measure(bin, s.subject, pin)
      const mineRun = i === 0 ? runs[0]! : summarize('msgtrans', s.subject.server, mine, phase)
      if (i > 0) runs.push(mineRun)
      const base = await measure(bin, s.baseline, pin)
      const baseRun = summarize('baseline', s.baseline.server, base, phase)
      runs.push(baseRun)
      if (base[s.metric] > 0) ratios.push(mine[s.metric] / base[s.metric])
      const [a, b] = [mineRun.msgs_per_server_cpu_s, baseRun.msgs_per_server_cpu_s]
      if (a !== null && b) cpuRatios.push(a / b)
      if (!s.floor) continue
      const floor = await measure(bin, s.floor, pin)
      runs.push(summarize('floor', s.floor.server, floor, phase))
      if (base[s.metric] > 0) floorRatios.push(floor[s.metric] / base[s.metric])
      if (floor[s.metric] > 0) vsFloors.push(mine[s.metric] / floor[s.metric])
    }
  }
  const ratio = median(ratios)
  const cpuRatio = median(cpuRatios)
  const fixedP99 = runs[1]?.latency_us?.p99
  // A generator that sent late by more than this cannot judge a 1 ms p99: inconclusive.
  const punctual = (runs[1]?.loadgen.send_lateness_us?.p99 ?? Infinity) <= MAX_SEND_LATENESS_US
  const met =
    s.targetRatio !== undefined && ratio !== null
      ? ratio >= s.targetRatio
      : s.fixedRateAt !== undefined && fixedP99 !== undefined && punctual
        ? fixedP99 < 1000
        : null
  return {
    name: s.name,
    title: s.title,
    metric: s.metric,
    target: s.target,
    targetRatio: s.targetRatio ?? null,
    ratio,
    cpuRatio,
    ratios,
    cpuRatios,
    floorRatio: median(floorRatios),
    floorRatios,
    vsFloor: median(vsFloors),
    vsFloors,
    met,
    runs,
    sweep,
  }
}

/** Median of `xs` (mean of the middle two for an even count); null when empty. */
export function median(xs: number[]): number | null {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

// Fixed rates below the max, msgtrans and the raw baseline at each; runs are appended.
async function runSweep(bin: string, s: Scenario, pin: boolean, max: number, runs: RunSummary[]): Promise<SweepVerdict> {
  const under = (r: LoadgenReport) =>
    (r.latency_us?.p99 ?? Infinity) < 1000 && (r.send_lateness_us?.p99 ?? Infinity) <= MAX_SEND_LATENESS_US
  const verdict: SweepVerdict = { msgtrans: null, baseline: null }
  const half = Math.round(max * (s.fixedRateAt ?? 0.5))
  for (const f of [s.fixedRateAt ?? 0.5, ...s.sweep!]) {
    const rate = Math.max(1, Math.round(max * f))
    if (rate !== half) {
      const mine = await measure(bin, s.subject, pin, { rate, depth: 1024 })
      runs.push(summarize('msgtrans', s.subject.server, mine, `fixed ${rate}/s`))
      if (under(mine)) verdict.msgtrans = Math.max(verdict.msgtrans ?? 0, rate)
    } else if (runs[1] && under(runs[1].loadgen)) verdict.msgtrans = rate
    if (!s.sweepBaseline) continue
    const base = await measure(bin, s.sweepBaseline, pin, { rate, depth: 1024 })
    runs.push(summarize('baseline', s.sweepBaseline.server, base, `fixed ${rate}/s`))
    if (under(base)) verdict.baseline = Math.max(verdict.baseline ?? 0, rate)
  }
  return verdict
}

async function main() {
  const bin = loadgenBinary()
  const pin = canPin()
  if (!pin) console.warn('e2e: taskset or a second CPU is missing; running unpinned')
  const started = new Date().toISOString()
  const loadStart = loadavg()[0]!
  const results: ScenarioResult[] = []
  for (const s of scenarios()) {
    if (only && !only.includes(s.name)) continue
    console.error(`e2e: ${s.name} ...`)
    const r = await runScenario(bin, s, pin)
    for (const run of r.runs) {
      console.error(`  ${run.role} ${run.server} ${run.phase}: ${Math.round(run.msgs_per_s)} msgs/s, p99 ${run.latency_us?.p99} µs`)
    }
    results.push(r)
  }
  const name = tiny ? 'e2e-tiny' : 'e2e'
  const command = `${tiny ? 'BENCH_TINY=1 ' : ''}bun bench/e2e.ts ${argv.join(' ')}`.trim()
  const machine = await machineInfo(pin, loadStart)
  const doc = { name, tiny, command, commit: sourceCommit(), started, finished: new Date().toISOString(), machine, loadgen: { key: loadgenKey(), path: bin }, timing, pairs, scenarios: results }
  await mkdir(outDir, { recursive: true })
  await Bun.write(join(outDir, `${name}.json`), JSON.stringify(doc, null, 2) + '\n')
  await Bun.write(join(outDir, `${name}.md`), renderMarkdown(doc))
  console.error(`e2e: wrote ${join(outDir, `${name}.json`)} and .md`)
  const bad = results.flatMap((r) =>
    r.runs.filter((run) => run.errors > 0 || run.loadgen.msgs === 0).map((run) => `${r.name}/${run.server}/${run.phase}`),
  )
  if (bad.length > 0) {
    console.error(`e2e: runs with errors or no messages: ${bad.join(', ')}`)
    process.exitCode = 1
  }
}

/** Which sources were measured: BENCH_COMMIT when set (a snapshot), else git HEAD (+dirty). */
function sourceCommit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT
  const head = Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD'], { cwd: import.meta.dir }).stdout.toString().trim()
  if (!head) return 'unknown'
  const dirty = Bun.spawnSync(['git', 'status', '--porcelain', '--', 'src', 'zig/src'], { cwd: import.meta.dir })
  return dirty.stdout.toString().trim() ? `${head}-dirty (src/ or zig/src has uncommitted changes)` : head
}

if (import.meta.main) {
  await main().catch((err) => {
    console.error(`e2e: ${err?.stack ?? err}`)
    process.exit(1)
  })
}
