import type * as Fs from 'node:fs'
import type * as Os from 'node:os'
import type * as Path from 'node:path'
import { NativeError } from '../errors.ts'
import {
  planWorkers,
  type Numa,
  type NumaNode,
  type Placement,
  type Topology,
} from '../numa_types.ts'
import { Status } from '../symbols.ts'

/**
 * Parses a kernel cpulist.
 *
 * @example
 * parseCpuList('0-2,8\n') // [0, 1, 2, 8]
 */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = []
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [lo, hi = lo] = part.split('-').map((n) => Number(n))
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi! < lo!) {
      throw new NativeError(Status.io, `bad cpulist "${text.trim()}"`)
    }
    for (let c = lo!; c <= hi!; c++) cpus.push(c)
  }
  return cpus
}

/**
 * Pure-TS NUMA: reads the same sysfs files; cannot pin threads or query page nodes.
 *
 * @example
 * new TsNuma().plan(2) // [{ worker: 0, node: 0, cpu: 0 }, { worker: 1, node: 0, cpu: 1 }]
 */
export class TsNuma implements Numa {
  topology(root = '/sys'): Topology {
    // Loaded on use: the fallback is imported by every app, and what a module loads at
    // startup stays in the heap that each collection walks.
    const { existsSync, readdirSync, readFileSync } = require('node:fs') as typeof Fs
    const { join } = require('node:path') as typeof Path
    const dir = join(root, 'devices/system/node')
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => /^node\d+$/.test(n)) : []
    const nodes: NumaNode[] = names.map((name) => ({
      id: Number(name.slice(4)),
      cpus: parseCpuList(readFileSync(join(dir, name, 'cpulist'), 'utf8')),
      distances: readFileSync(join(dir, name, 'distance'), 'utf8').trim().split(/\s+/).map(Number),
    }))
    if (nodes.length === 0) {
      const cpus = Array.from({ length: (require('node:os') as typeof Os).availableParallelism() }, (_, i) => i)
      return { nodes: [{ id: 0, cpus, distances: [10] }] }
    }
    return { nodes: nodes.sort((a, b) => a.id - b.id) }
  }

  plan(workersPerNode: number, root?: string): Placement[] {
    if (!(workersPerNode >= 1)) throw new NativeError(Status.invalid_argument, 'numa plan')
    return planWorkers(this.topology(root), workersPerNode)
  }

  pinToCpus(): void {
    throw new NativeError(Status.unsupported, 'pin threads without the native library')
  }

  affinity(): number[] {
    return Array.from({ length: (require('node:os') as typeof Os).availableParallelism() }, (_, i) => i)
  }

  currentCpu(): number {
    return -1
  }

  memoryNode(): number {
    throw new NativeError(Status.unsupported, 'memory node without the native library')
  }
}
