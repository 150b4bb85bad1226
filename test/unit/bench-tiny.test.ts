import { expect, test } from 'bun:test'

// Benchmarks run in tiny mode so they cannot rot.
async function tiny(script: string): Promise<string> {
  const proc = Bun.spawn([process.execPath, script], {
    env: { ...process.env, BENCH_TINY: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`${script} failed (${code}): ${err.slice(-2000)}`)
  return out
}

test('codec benchmark runs (tiny mode)', async () => {
  expect(await tiny('bench/codec.bench.ts')).toContain('codec bench tiny: 13 cases ok')
}, 60_000)

test('hot path benchmark runs (tiny mode)', async () => {
  expect(await tiny('bench/hotpath.bench.ts')).toMatch(/hotpath bench tiny: \d+ packets echoed/)
}, 60_000)

test('allocation benchmark runs for both cores (tiny mode)', async () => {
  const out = await tiny('bench/alloc.bench.ts')
  for (const line of ['echo     zig', 'echo     ts', 'publish  zig', 'publish  ts', 'reads    zig', 'echo-reads zig']) expect(out).toContain(line)
  expect(out).toMatch(/B\/msg allocated/)
}, 60_000)

test('cross-worker send benchmark runs (tiny mode)', async () => {
  const out = await tiny('bench/cross-worker.bench.ts')
  // Without the Zig core there are no native queues to measure; the bench says so.
  expect(out).toMatch(/cross-worker bench tiny: 20000 sends each way per case|needs the Zig core/)
})
