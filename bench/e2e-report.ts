/** Result rows, machine info and the markdown table of the e2e benchmark. */
import os from 'node:os'
import type { LoadgenReport, ServerKind } from './e2e-procs.ts'

/** One load generator run, as stored in e2e.json (the full report stays under `loadgen`). */
export interface RunSummary {
  role: 'msgtrans' | 'baseline' | 'floor'
  server: ServerKind
  phase: string
  msgs_per_s: number
  bytes_per_s: number
  latency_from: string
  latency_us: LoadgenReport['latency_us']
  server_cpu_s: number | null
  server_util: number | null
  /** Throughput per CPU-second of the server (what one core buys). */
  msgs_per_server_cpu_s: number | null
  loadgen_util: number
  errors: number
  loadgen: LoadgenReport
}

export function summarize(role: RunSummary['role'], server: ServerKind, r: LoadgenReport, phase: string): RunSummary {
  const cpu = r.server_cpu?.cpu_s ?? null
  return {
    role,
    server,
    phase,
    msgs_per_s: r.msgs_per_s,
    bytes_per_s: r.bytes_per_s,
    latency_from: r.latency_from,
    latency_us: r.latency_us,
    server_cpu_s: cpu,
    server_util: r.server_cpu?.util ?? null,
    msgs_per_server_cpu_s: cpu && cpu > 0 ? r.msgs / cpu : null,
    loadgen_util: r.loadgen_cpu.util,
    errors: r.errors.total,
    loadgen: r,
  }
}

export async function machineInfo(pinned: boolean, loadavgStart: number) {
  const rustc = Bun.spawnSync(['rustc', '--version']).stdout.toString().trim() || null
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    bun: Bun.version,
    rustc,
    pinned: pinned ? 'server taskset -c 0, loadgen taskset -c 1' : 'no (unpinned)',
    /** 1-minute load average when the report was written: other work on the box shows here. */
    loadavg_1m_start: Math.round(loadavgStart * 100) / 100,
    loadavg_1m_end: Math.round(os.loadavg()[0]! * 100) / 100,
  }
}

interface Doc {
  name: string
  command: string
  commit: string
  started: string
  machine: Awaited<ReturnType<typeof machineInfo>>
  timing: { duration: number; warmup: number }
  /** msgtrans/baseline pairs per scenario with a baseline (alternating runs). */
  pairs?: number
  scenarios: Array<{
    name: string
    title: string
    target: string
    ratio: number | null
    cpuRatio: number | null
    ratios?: number[]
    cpuRatios?: number[]
    floorRatio?: number | null
    floorRatios?: number[]
    vsFloor?: number | null
    vsFloors?: number[]
    met: boolean | null
    metric: string
    runs: RunSummary[]
    /** Latency sweep: highest fixed rate with p99 < 1 ms (and a punctual generator). */
    sweep?: { msgtrans: number | null; baseline: number | null }
  }>
}

const n = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const mb = (bytes: number) => n(bytes / 1e6, 1)

// " [0.61-0.74]" for more than one pair.
const range = (xs: number[] | undefined) =>
  xs && xs.length > 1 ? ` [${n(Math.min(...xs), 2)}-${n(Math.max(...xs), 2)}]` : ''

export function renderMarkdown(doc: Doc): string {
  const m = doc.machine
  const lines = [
    `# ${doc.name}: msgtrans vs raw Bun baselines`,
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.kernel}; bun ${m.bun}; ${m.rustc}; pinned: ${m.pinned}; 1-min load average ${m.loadavg_1m_start} at start, ${m.loadavg_1m_end} at end.`,
    `Started ${doc.started}; ${doc.timing.warmup} s warmup + ${doc.timing.duration} s measured per run; fresh server process per run` +
      (doc.pairs && doc.pairs > 1 ? `; ${doc.pairs} alternating msgtrans/baseline pairs per ratio (median, range in brackets).` : '.'),
    '',
    `Command: \`${doc.command}\` on sources ${doc.commit}.`,
    '',
    '| scenario | server | phase | msgs/s | MB/s | p50 µs | p99 µs | p99.9 µs | max µs | server CPU | msgs per server CPU-s | loadgen CPU | errors |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const s of doc.scenarios) {
    for (const r of s.runs) {
      const l = r.latency_us
      const util = r.server_util === null ? '-' : `${n(r.server_util * 100)}%`
      lines.push(
        `| ${s.name} | ${r.server} | ${r.phase} | ${n(r.msgs_per_s)} | ${mb(r.bytes_per_s)} | ${n(l?.p50)} | ` +
          `${n(l?.p99)} | ${n(l?.p999)} | ${n(l?.max)} | ${util} | ${n(r.msgs_per_server_cpu_s)} | ` +
          `${n(r.loadgen_util * 100)}% | ${r.errors} |`,
      )
    }
  }
  for (const s of doc.scenarios) {
    for (const r of s.runs) {
      if (r.errors > 0) lines.push('', `Errors in ${s.name} ${r.server} ${r.phase}: ${JSON.stringify(r.loadgen.errors)}`)
    }
  }
  lines.push(
    '',
    '| scenario | target | measured | per server CPU-s vs baseline | floor server vs baseline | msgtrans vs floor | met |',
    '|---|---|---|---|---|---|---|',
  )
  for (const s of doc.scenarios) {
    const fixed = s.runs.find((r) => r.phase.startsWith('fixed'))
    const measured =
      s.ratio !== null
        ? `${n(s.ratio, 2)}x${range(s.ratios)} (${s.metric === 'bytes_per_s' ? 'bytes/s' : 'msgs/s'})`
        : fixed
          ? `p99 ${n(fixed.latency_us?.p99)} µs at ${fixed.phase.replace('fixed ', '')} ` +
            `(loadgen send lateness p99 ${n(fixed.loadgen.send_lateness_us?.p99)} µs)`
          : `${n(s.runs[0]?.msgs_per_s)} deliveries/s`
    const sweep = s.sweep
      ? `; highest swept rate with p99 < 1 ms: ${s.sweep.msgtrans ? `${n(s.sweep.msgtrans)}/s` : 'none'}` +
        ` (raw Bun.listen echo of 1 KiB at the same rates: ${s.sweep.baseline ? `${n(s.sweep.baseline)}/s` : 'none'})`
      : ''
    const perCpu = s.cpuRatio === null ? '-' : `${n(s.cpuRatio, 2)}x${range(s.cpuRatios)}`
    const met = s.met === null ? (fixed ? 'inconclusive (generator late)' : '-') : s.met ? 'yes' : 'no'
    const floor = s.floorRatio == null ? '-' : `${n(s.floorRatio, 2)}x${range(s.floorRatios)}`
    const vsFloor = s.vsFloor == null ? '-' : `${n(s.vsFloor, 2)}x${range(s.vsFloors)}`
    lines.push(`| ${s.name} | ${s.target} | ${measured}${sweep} | ${perCpu} | ${floor} | ${vsFloor} | ${met} |`)
  }
  lines.push(
    '',
    'Latency is from the actual send in closed-loop runs and from the intended send time in',
    'fixed-rate runs (coordinated omission corrected). CPU is CPU-seconds per wall second of',
    'the measured window (server from /proc/<pid>/stat, loadgen from getrusage). "met" judges the',
    'median raw ratio; when the load average is above the core count, read the per-CPU-second ratio.',
    'The floor server is the same v1 echo with no framework (header checks, one payload view,',
    'one encode per packet; bench/servers/floor-*.ts): its ratio is what framing alone leaves.',
    'See docs/benchmarks.md.',
  )
  return lines.join('\n') + '\n'
}
