import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The QUIC/TCP/WS echo benchmark runs in tiny mode so it cannot rot.
test('quic echo benchmark runs (tiny mode) and reports all three transports', async () => {
  const out = mkdtempSync(join(tmpdir(), 'quic-bench-'))
  const proc = Bun.spawn([process.execPath, 'bench/quic-echo.ts', '--out', out], {
    env: { ...process.env, BENCH_TINY: '1' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  expect(code).toBe(0)
  expect(text).toContain('quic-echo tiny: 3 transports ok, QUIC/TCP throughput ratio')
  const report = JSON.parse(readFileSync(join(out, 'quic-echo-tiny.json'), 'utf8'))
  expect(report.rows.map((r: { transport: string }) => r.transport)).toEqual(['tcp', 'ws', 'quic'])
  for (const r of report.rows) expect(r.msgs).toBeGreaterThan(0)
}, 30_000)
