// Native core through bun:ffi vs plain-JS baselines in the same run (mitata).
//   bun bench/native.bench.ts             full run, writes bench/results/native-js.{json,md}
//   BENCH_TINY=1 bun bench/native.bench.ts  a few iterations (the test suite runs this)
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { openNativeLibrary } from '../src/native/loader.ts'
import { ZigBufferPool } from '../src/native/zig/buffer_pool.ts'
import { ZigSessionTable } from '../src/native/zig/session_table.ts'

type Case = { group: string; name: string; baseline: boolean; fn: () => unknown }
export interface NativeBenchReport {
  tiny: boolean
  machine: Record<string, unknown>
  rows: { group: string; name: string; avgNs: number; vsBaseline: number }[]
  pool: {
    hitRate: number
    prewarmMs: number
    prewarmPopulateMs: number
    rssMiB: number
    rssPopulateMiB: number
  }
}

type Lib = NonNullable<ReturnType<typeof openNativeLibrary>>['lib']

function buildCases(lib: Lib) {
  const table = ZigSessionTable.create(lib, { initialCapacity: 20_000 })
  const map = new Map<number, { owner: number; transport: number; tag: number }>()
  const handles: number[] = []
  for (let i = 0; i < 10_000; i++) {
    const info = { owner: i & 3, transport: 0, tag: i }
    const h = table.insert(info)
    handles.push(h)
    map.set(h, info)
  }
  let k = 0
  const next = () => handles[(k = (k + 1) & 8191)]!
  const pool = ZigBufferPool.create(lib, {})
  const lookup = 'session lookup'
  const cases: Case[] = [
    { group: lookup, name: 'baseline: Map.get', baseline: true, fn: () => map.get(next()) },
    {
      group: lookup, name: 'SessionTable.lookup (FFI, object)', baseline: false,
      fn: () => table.lookup(next()),
    },
    {
      group: lookup, name: 'SessionTable.owner (FFI, no allocation)', baseline: false,
      fn: () => table.owner(next()),
    },
  ]
  for (const [label, size] of [['1 KiB', 1024], ['64 KiB', 65536], ['1 MiB', 1 << 20]] as const) {
    const g = `buffer ${label}`
    cases.push(
      {
        group: g, name: `baseline: new Uint8Array(${label})`, baseline: true,
        fn: () => new Uint8Array(size),
      },
      {
        group: g, name: 'BufferPool.acquire + release (FFI)', baseline: false,
        fn: () => pool.release(pool.acquire(size)),
      },
      {
        group: g, name: 'acquire + view + release', baseline: false,
        fn: () => {
          const ref = pool.acquire(size)
          pool.view(ref)[0] = 1
          return pool.release(ref)
        },
      },
    )
  }
  return { cases, close: () => (table.close(), pool.close()) }
}

function loopNs(fn: () => unknown, iterations: number): number {
  const start = Bun.nanoseconds()
  for (let i = 0; i < iterations; i++) do_not_optimize(fn())
  return (Bun.nanoseconds() - start) / iterations
}

function poolFigures(lib: Lib, tiny: boolean) {
  const measure = (populate: boolean) => {
    Bun.gc(true)
    const rss0 = process.memoryUsage.rss()
    const t0 = performance.now()
    const pool = ZigBufferPool.create(lib, { populate })
    const ms = performance.now() - t0
    // Untouched slab pages cost no RSS; GC may even shrink the heap meanwhile.
    const mib = Math.max(0, (process.memoryUsage.rss() - rss0) / 2 ** 20)
    return { pool, ms, mib }
  }
  const plain = measure(false)
  // Steady send/receive mix: up to 512 buffers in flight, 1 in 8 medium, 1 in 64 large.
  const inflight: number[] = []
  const n = tiny ? 5_000 : 500_000
  for (let i = 0; i < n; i++) {
    inflight.push(plain.pool.acquire(i % 64 === 0 ? 40_000 : i % 8 === 0 ? 4_000 : 300))
    if (inflight.length > 512) plain.pool.release(inflight.shift()!)
  }
  const stats = plain.pool.stats()
  const hits = stats.reduce((s, t) => s + t.hits, 0)
  const misses = stats.reduce((s, t) => s + t.misses, 0)
  plain.pool.close()
  const populated = measure(true)
  populated.pool.close()
  return {
    hitRate: hits / (hits + misses), prewarmMs: plain.ms, prewarmPopulateMs: populated.ms,
    rssMiB: plain.mib, rssPopulateMiB: populated.mib,
  }
}

/** Runs the benchmark; writes native-js.json/.md into `outDir` when given. */
export async function runNativeBench(opts: {
  tiny: boolean
  outDir?: string
}): Promise<NativeBenchReport> {
  const raw = openNativeLibrary({ MSGTRANS_NATIVE: '1' })
  if (!raw) throw new Error('native library not built: bash scripts/bootstrap.sh')
  const { cases, close } = buildCases(raw.lib)
  const avg = new Map<string, number>()
  if (opts.tiny) {
    for (const c of cases) avg.set(c.name + c.group, loopNs(c.fn, 2_000))
  } else {
    const registered: Case[] = []
    summary(() => {
      for (const g of new Set(cases.map((c) => c.group))) {
        group(g, () => {
          for (const c of cases.filter((x) => x.group === g)) {
            registered.push(c)
            // Consume every result: JSC would drop a pure Map.get whose value is unused.
            bench(c.name, () => do_not_optimize(c.fn())).baseline(c.baseline)
          }
        })
      }
    })
    const res = await run({ throw: true })
    // mitata reports benchmarks in registration order.
    res.benchmarks.forEach((b, i) => {
      const c = registered[i]!
      avg.set(c.name + c.group, b.runs[0]?.stats?.avg ?? NaN)
    })
  }
  close()
  const rows = cases.map((c) => {
    const base = cases.find((x) => x.group === c.group && x.baseline)!
    const ns = avg.get(c.name + c.group)!
    const baseNs = avg.get(base.name + base.group)!
    return { group: c.group, name: c.name, avgNs: ns, vsBaseline: ns / baseNs }
  })
  const machine = {
    cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, load: os.loadavg(),
    date: new Date().toISOString(),
  }
  const report = { tiny: opts.tiny, machine, rows, pool: poolFigures(raw.lib, opts.tiny) }
  if (opts.outDir) await writeReport(report, opts.outDir)
  return report
}

async function writeReport(report: NativeBenchReport, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await Bun.write(join(dir, 'native-js.json'), JSON.stringify(report, null, 2))
  const p = report.pool
  const md = [
    `# Native core from JS${report.tiny ? ' (tiny)' : ''}: ${report.machine.cpu}, ` +
      `${report.machine.cores} cores, bun ${report.machine.bun}, load ${report.machine.load}`,
    '',
    '| group | benchmark | avg ns | vs baseline |',
    '|---|---|---|---|',
    ...report.rows.map(
      (r) => `| ${r.group} | ${r.name} | ${r.avgNs.toFixed(1)} | ${r.vsBaseline.toFixed(2)}x |`,
    ),
    '',
    `Pool hit rate (steady mix): ${(p.hitRate * 100).toFixed(2)}%. ` +
      'Prewarm of the default config: ' +
      `${p.prewarmMs.toFixed(2)} ms (RSS +${p.rssMiB.toFixed(1)} MiB); with MAP_POPULATE ` +
      `${p.prewarmPopulateMs.toFixed(1)} ms (RSS +${p.rssPopulateMiB.toFixed(1)} MiB).`,
  ].join('\n')
  await Bun.write(join(dir, 'native-js.md'), md + '\n')
}

if (import.meta.main) {
  const tiny = process.env.BENCH_TINY === '1'
  const report = await runNativeBench({ tiny, outDir: tiny ? undefined : 'bench/results' })
  console.log(JSON.stringify(report.pool), tiny ? '(tiny)' : '')
}
