import { expect, test } from 'bun:test'

// Benchmarks run in tiny mode so they cannot rot.
test('codec benchmark runs (tiny mode)', async () => {
  const proc = Bun.spawn([process.execPath, 'bench/codec.bench.ts'], {
    env: { ...process.env, BENCH_TINY: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  expect(code).toBe(0)
  expect(out).toContain('codec bench tiny: 7 cases ok')
}, 60_000)
