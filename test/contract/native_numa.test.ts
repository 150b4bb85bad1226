import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openNativeLibrary } from '../../src/native/loader.ts'
import type { Numa } from '../../src/native/numa_types.ts'
import { TsNuma } from '../../src/native/ts/numa.ts'
import { ZigNuma } from '../../src/native/zig/numa.ts'
import { ZigBufferPool } from '../../src/native/zig/buffer_pool.ts'

const root = mkdtempSync(join(tmpdir(), 'msgtrans-sysfs-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const fakeNodes = [
  { id: 0, cpulist: '0-1\n', distance: '10 20 30\n' },
  { id: 1, cpulist: '2,3\n', distance: '20 10 30\n' },
  { id: 2, cpulist: '8-10\n', distance: '30 30 10\n' },
]
for (const n of fakeNodes) {
  const dir = join(root, 'devices/system/node', `node${n.id}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'cpulist'), n.cpulist)
  writeFileSync(join(dir, 'distance'), n.distance)
}

export function runNumaContract(name: string, numa: Numa) {
  describe(`Numa contract: ${name}`, () => {
    test('reads a fake three-node sysfs tree', () => {
      expect(numa.topology(root)).toEqual({
        nodes: [
          { id: 0, cpus: [0, 1], distances: [10, 20, 30] },
          { id: 1, cpus: [2, 3], distances: [20, 10, 30] },
          { id: 2, cpus: [8, 9, 10], distances: [30, 30, 10] },
        ],
      })
    })

    test('plans workers per node on distinct cpus', () => {
      const plan = numa.plan(2, root)
      expect(plan.map((p) => [p.worker, p.node, p.cpu])).toEqual([
        [0, 0, 0], [1, 0, 1], [2, 1, 2], [3, 1, 3], [4, 2, 8], [5, 2, 9],
      ])
      expect(() => numa.plan(0, root)).toThrow()
    })

    test('this machine has a node 0 holding the cpus we may use', () => {
      const topo = numa.topology()
      const node0 = topo.nodes.find((n) => n.id === 0)!
      expect(node0.cpus.length).toBeGreaterThan(0)
      for (const cpu of numa.affinity()) {
        expect(topo.nodes.some((n) => n.cpus.includes(cpu))).toBe(true)
      }
    })
  })
}

runNumaContract('ts', new TsNuma())
const raw = openNativeLibrary({ MSGTRANS_NATIVE: '1' })
if (raw) {
  const numa = new ZigNuma(raw.lib)
  runNumaContract('zig', numa)

  test('zig: pin this thread to each cpu of node 0, verified, then restore', () => {
    const before = numa.affinity()
    try {
      for (const cpu of numa.topology().nodes[0]!.cpus) {
        numa.pinToCpus([cpu])
        expect(numa.affinity()).toEqual([cpu])
        expect(numa.currentCpu()).toBe(cpu)
      }
    } finally {
      numa.pinToCpus(before)
    }
    expect(numa.affinity()).toEqual(before)
  })

  test('zig: a pool bound to node 0 has its pages on node 0; node 63 is refused', () => {
    const tiers = [
      { initial: 16, max: 64, lowWater: 0 }, { initial: 0, max: 1, lowWater: 0 },
      { initial: 0, max: 1, lowWater: 0 }, { initial: 0, max: 1, lowWater: 0 },
    ] as const
    const pool = ZigBufferPool.create(raw.lib, { tiers, node: 0 })
    const view = pool.view(pool.acquire(1000))
    view.fill(1)
    expect(numa.memoryNode(view)).toBe(0)
    pool.close()
    expect(() => ZigBufferPool.create(raw.lib, { tiers, node: 63 })).toThrow(/E_KERNEL_REFUSED/)
  })
}
