import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runNativeBench } from '../../bench/native.bench.ts'

test('native JS benchmark runs in tiny mode and writes its report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'msgtrans-bench-'))
  try {
    const report = await runNativeBench({ tiny: true, outDir: dir })
    expect(report.rows.length).toBe(12)
    for (const row of report.rows) {
      expect(Number.isFinite(row.vsBaseline) && row.avgNs > 0).toBe(true)
    }
    expect(report.pool.hitRate).toBeGreaterThanOrEqual(0.98)
    expect(report.pool.prewarmMs).toBeLessThan(1000)
    const json = JSON.parse(readFileSync(join(dir, 'native-js.json'), 'utf8'))
    expect(json.rows[0].group).toBe('session lookup')
    expect(readFileSync(join(dir, 'native-js.md'), 'utf8')).toContain('| session lookup |')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
