import { mkdir } from 'node:fs/promises'
import os from 'node:os'

interface MitataStats {
  avg: number
  p50: number
  p99: number
}
interface MitataRun {
  benchmarks: Array<{ alias: string; group: number | null; runs: Array<{ name: string; stats?: MitataStats }> }>
  layout: Array<{ name: string | null }>
}

/** Writes a mitata run as bench/results/<name>.json and a markdown table. */
export async function writeResults(name: string, res: unknown, extra: Record<string, unknown> = {}) {
  const r = res as MitataRun
  const rows = r.benchmarks.flatMap((b) =>
    b.runs.map((run) => ({
      group: b.group !== null ? (r.layout[b.group]?.name ?? '') : '',
      name: run.name,
      avgNs: run.stats?.avg ?? NaN,
      p50Ns: run.stats?.p50 ?? NaN,
      p99Ns: run.stats?.p99 ?? NaN,
    })),
  )
  const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, date: new Date().toISOString() }
  await mkdir('bench/results', { recursive: true })
  await Bun.write(`bench/results/${name}.json`, JSON.stringify({ machine, ...extra, rows }, null, 2))
  const md = [
    `# ${name} (${machine.cpu}, ${machine.cores} cores, bun ${machine.bun}, ${machine.date})`,
    '',
    '| group | benchmark | avg | p50 | p99 |',
    '|---|---|---|---|---|',
    ...rows.map((x) => `| ${x.group} | ${x.name} | ${fmt(x.avgNs)} | ${fmt(x.p50Ns)} | ${fmt(x.p99Ns)} |`),
  ].join('\n')
  await Bun.write(`bench/results/${name}.md`, md + '\n')
}

function fmt(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`
}
