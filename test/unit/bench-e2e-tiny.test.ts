/**
 * Runs the e2e load benchmark in tiny mode (BENCH_TINY=1: ~1 s per scenario, few
 * connections) so the harness, the Rust load generator and the baseline servers cannot
 * rot. Asserts the report's shape and that every run moved messages without errors;
 * never a throughput or latency threshold (this box is shared and noisy).
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadgenBinary } from '../../bench/loadgen/bin.ts'
import { median } from '../../bench/e2e.ts'

const root = join(import.meta.dir, '..', '..')
/** Scenarios that also run the floor server (the same v1 echo with no framework). */
const FLOORED = ['tcp-echo-64', 'tcp-transfer-64k', 'tcp-transfer-1m', 'ws-echo-64', 'ws-echo-1k']
const SCENARIOS = ['tcp-echo-64', 'tcp-rr-1k', 'tcp-transfer-64k', 'tcp-transfer-1m', 'ws-echo-64', 'ws-echo-1k', 'publish-1k']
/** Building the load generator cold takes about a minute; the tiny run about 30 s. */
const TIMEOUT_MS = 240_000

describe('bench/e2e.ts tiny mode', () => {
  test(
    'writes e2e-tiny.json and .md with nonzero counts for every scenario',
    async () => {
      loadgenBinary()
      const out = mkdtempSync(join(tmpdir(), 'msgtrans-e2e-'))
      try {
        // Two alternating pairs per baselined scenario, so the pairing path runs too.
        const proc = Bun.spawn([process.execPath, 'bench/e2e.ts', '--out', out, '--pairs', '2'], {
          cwd: root,
          env: { ...process.env, BENCH_TINY: '1' },
          stdout: 'pipe',
          stderr: 'pipe',
        })
        const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited])
        if (code !== 0) console.error(stderr)
        expect(code).toBe(0)
        const doc = JSON.parse(readFileSync(join(out, 'e2e-tiny.json'), 'utf8'))
        expect(doc.tiny).toBe(true)
        expect(doc.machine.cores).toBeGreaterThan(0)
        expect(doc.scenarios.map((s: { name: string }) => s.name)).toEqual(SCENARIOS)
        for (const s of doc.scenarios) checkScenario(s)
        const md = readFileSync(join(out, 'e2e-tiny.md'), 'utf8')
        for (const name of SCENARIOS) expect(md).toContain(`| ${name} |`)
      } finally {
        rmSync(out, { recursive: true, force: true })
      }
    },
    TIMEOUT_MS,
  )
})

function checkScenario(s: any) {
  const baselined = s.name !== 'tcp-rr-1k' && s.name !== 'publish-1k'
  const floored = FLOORED.includes(s.name)
  // tcp-rr-1k: closed loop, then the latency sweep (half and a quarter of max), each rate
  // for msgtrans and the raw echo baseline.
  expect(s.runs.length).toBe(s.name === 'tcp-rr-1k' ? 5 : floored ? 6 : baselined ? 4 : 1)
  if (baselined) {
    const pair = floored ? ['msgtrans', 'baseline', 'floor'] : ['msgtrans', 'baseline']
    expect(s.runs.map((r: { role: string }) => r.role)).toEqual([...pair, ...pair])
    expect(s.ratios.length).toBe(2)
    expect(s.ratio).toBeCloseTo(median(s.ratios)!, 10)
    expect(s.ratio).toBeGreaterThan(0)
  }
  if (floored) {
    // The floor server answered the same v1 packets as msgtrans, without errors.
    const floors = s.runs.filter((r: { role: string }) => r.role === 'floor')
    expect(floors.map((r: { server: string }) => r.server)).toEqual(Array(2).fill(s.name.startsWith('tcp') ? 'floor-tcp' : 'floor-ws'))
    for (const r of floors) expect(r.loadgen.config.mode).toBe('echo')
    expect(s.floorRatios.length).toBe(2)
    expect(s.vsFloors.length).toBe(2)
    expect(s.floorRatio).toBeCloseTo(median(s.floorRatios)!, 10)
    expect(s.vsFloor).toBeGreaterThan(0)
  } else expect(s.floorRatio).toBeNull()
  for (const run of s.runs) {
    const r = run.loadgen
    expect(r.tool).toBe('msgtrans-loadgen')
    expect(r.msgs).toBeGreaterThan(0)
    expect(r.msgs_per_s).toBeGreaterThan(0)
    expect(r.bytes_per_s).toBeGreaterThan(0)
    expect(r.errors.total).toBe(0)
    for (const k of ['p50', 'p99', 'p999', 'max']) expect(r.latency_us[k]).toBeGreaterThan(0)
    expect(r.loadgen_cpu.cpu_s).toBeGreaterThanOrEqual(0)
    expect(r.server_cpu.pid).toBeGreaterThan(0)
    expect(typeof r.server_cpu.cpu_s).toBe('number')
  }
  if (s.name === 'tcp-rr-1k') {
    const fixed = s.runs[1].loadgen
    expect(fixed.latency_from).toBe('intended_send')
    expect(fixed.config.rate).toBeGreaterThan(0)
    expect(fixed.send_lateness_us.p50).toBeGreaterThan(0)
    expect(s.runs.map((r: any) => r.server)).toEqual(['msgtrans', 'msgtrans', 'raw-tcp', 'msgtrans', 'raw-tcp'])
    for (const r of s.runs.slice(1)) expect(r.phase).toMatch(/^fixed \d+\/s$/)
    expect(Object.keys(s.sweep).sort()).toEqual(['baseline', 'msgtrans'])
  }
}

test('median of pair ratios: odd, even and empty', () => {
  expect(median([0.9, 0.5, 0.7])).toBe(0.7)
  expect(median([0.8, 0.6])).toBeCloseTo(0.7, 10)
  expect(median([])).toBeNull()
})
