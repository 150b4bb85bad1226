import { expect, test } from 'bun:test'
import { cpus } from 'node:os'
import { join } from 'node:path'

// Worker placement respects the process's affinity mask (taskset, a container cpuset):
// a process limited to CPU 0 must not pin a worker to CPU 1.
const hasTaskset = Bun.spawnSync(['sh', '-c', 'command -v taskset']).exitCode === 0
const root = join(import.meta.dir, '../..')

test.skipIf(!hasTaskset || cpus().length < 2)('planWorkers places workers only on CPUs the process may use', () => {
  const script = `import { planWorkers } from ${JSON.stringify(join(root, 'src/cluster/placement.ts'))}
console.log(JSON.stringify(planWorkers(3, 3).map((p) => p.cpu)))`
  const run = (cpuList: string | null) => {
    const argv = [process.execPath, '-e', script]
    const p = Bun.spawnSync(cpuList ? ['taskset', '-c', cpuList, ...argv] : argv, { cwd: root })
    if (p.exitCode !== 0) throw new Error(p.stderr.toString())
    return JSON.parse(p.stdout.toString()) as number[]
  }
  const pinned = run('1')
  if (pinned.length === 0) return // no readable topology (no native core): nothing to place
  expect(pinned).toEqual([1, 1, 1])
  // Unrestricted, the plan spreads over more than one CPU.
  expect(new Set(run(null)).size).toBeGreaterThan(1)
})
