import { expect, test } from 'bun:test'

// Every module an app loads at startup stays in the JS heap, and each collection walks
// that heap: with node:zlib, node:crypto, node:worker_threads and the node:fs family
// loaded, a GC-bound 64 KiB echo spent 0.37–0.43 ms per collection instead of 0.27–0.34
// (docs/benchmarks.md). They are loaded on first use instead; this keeps it that way.
test('importing msgtrans loads no Node builtin at startup except through bun:ffi', async () => {
  const built = await Bun.build({ entrypoints: ['./src/index.ts'], target: 'bun', metafile: true })
  expect(built.success).toBe(true)
  const inputs = built.metafile!.inputs as Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>
  // Static imports only: require() and import() run when a feature is first used.
  const seen = new Set<string>()
  const externals = new Set<string>()
  const walk = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue
      if (i.external) externals.add(i.path)
      else walk(i.path)
    }
  }
  walk('src/index.ts')
  expect(seen.size).toBeGreaterThan(50) // the walk followed the real graph
  expect([...externals].sort()).toEqual(['bun:ffi'])
  // The features that need them still reach them, lazily.
  const lazy = Object.values(inputs).flatMap((v) => v.imports.filter((i) => i.kind !== 'import-statement').map((i) => i.path))
  for (const m of ['zlib', 'worker_threads', 'src/cluster/index.ts', 'src/transport/quic.ts']) expect(lazy).toContain(m)
})
