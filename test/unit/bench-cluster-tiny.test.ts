import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The cluster benchmark in tiny mode, so the harness cannot rot. Shape and zero errors
// only: this shared 2-core box makes throughput thresholds meaningless here.
test('bench/cluster.ts tiny mode: scaling 1->2 workers and cross- vs same-worker cost', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cluster-bench-'))
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, '../../bench/cluster.ts'), '--out', out], {
    env: { ...process.env, BENCH_TINY: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 50_000)
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()])
  clearTimeout(timer)
  expect({ code, err: code === 0 ? '' : err.slice(-1500) }).toEqual({ code: 0, err: '' })
  const r = JSON.parse(readFileSync(join(out, 'cluster-tiny.json'), 'utf8'))
  // With pinning available, a third row runs 2 workers both on CPU 0.
  const pinned = r.loadgen_pinned_cpu !== null && r.loadgen_pinned_cpu !== undefined
  expect(r.scaling.map((s: { workers: number }) => s.workers)).toEqual(pinned ? [1, 2, 2] : [1, 2])
  if (pinned) expect(r.scaling[2].pinned).toEqual([0, 0])
  for (const s of r.scaling) {
    expect(s.msgs_per_s).toBeGreaterThan(0)
    expect(s.msgs_per_server_cpu_s).toBeGreaterThan(0)
    expect(s.errors).toBe(0)
  }
  expect(r.cross_vs_same.map((c: { path: string }) => c.path)).toEqual(['native-queue', 'native-queue', 'postMessage'])
  for (const c of r.cross_vs_same) {
    expect(c.same_worker_ns_per_msg).toBeGreaterThan(0)
    expect(c.cross_worker_ns_per_msg).toBeGreaterThan(0)
  }
  expect(readFileSync(join(out, 'cluster-tiny.md'), 'utf8')).toContain('Cross-worker vs same-worker')
}, 60_000)
