/**
 * CPU placement of cluster workers through the native NUMA module (zig/src/numa.zig):
 * a plan of `workersPerNumaNode` per node from sysfs, and pinning of the calling
 * thread. src/native has no typed NUMA class yet, so this file binds the few symbols it
 * needs itself (same library file the loader opened; see the report in docs/workers.md).
 */
import { dlopen, FFIType, ptr } from 'bun:ffi'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { loadNative } from '../native/index.ts'

const numaSymbols = {
  msgtrans_numa_plan: { args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  msgtrans_numa_pin_cpus: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  msgtrans_numa_affinity: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  msgtrans_numa_current_cpu: { args: [], returns: FFIType.i32 },
} as const

/** CPUs the native mask covers (numa.max_cpus in Zig is larger; 1024 is plenty here). */
const MASK_WORDS = 16
/** Most placements read from one plan. */
const MAX_PLACEMENTS = 1024

type NumaLib = ReturnType<typeof dlopen<typeof numaSymbols>>['symbols']
let lib: NumaLib | null | undefined

function numa(): NumaLib | null {
  if (lib !== undefined) return lib
  const path = loadNative().libraryPath
  try {
    lib = path ? dlopen(path, numaSymbols).symbols : null
  } catch {
    lib = null
  }
  return lib
}

/** Where worker i runs. */
export interface Placement {
  worker: number
  node: number
  cpu: number
}

/** CPUs this process may use (affinity mask), for `workers: 'auto'`. */
export function usableCpus(): number {
  const l = numa()
  if (!l) return availableParallelism()
  const mask = new BigUint64Array(MASK_WORDS)
  const n = l.msgtrans_numa_affinity(ptr(mask), MASK_WORDS)
  return n > 0 ? n : availableParallelism()
}

/**
 * `count` placements, `perNode` workers per NUMA node in the node's CPU order, cycling
 * when count exceeds one round. Empty without the native core (no pinning then).
 *
 * @example
 * planWorkers(4, 2) // [{ worker: 0, node: 0, cpu: 0 }, { worker: 1, node: 0, cpu: 1 }, ...]
 */
export function planWorkers(count: number, perNode: number): Placement[] {
  const l = numa()
  if (!l || count < 1 || perNode < 1) return []
  const out = new Uint32Array(MAX_PLACEMENTS * 3)
  const n = l.msgtrans_numa_plan(null, 0, perNode, ptr(out), MAX_PLACEMENTS)
  if (n <= 0) return []
  return Array.from({ length: count }, (_, i) => {
    const k = (i % n) * 3
    return { worker: i, node: out[k + 1]!, cpu: out[k + 2]! }
  })
}

/** Pins the calling thread (this worker) to `cpu`; true when the kernel confirms it. */
export function pinToCpu(cpu: number): boolean {
  const l = numa()
  if (!l || cpu < 0 || cpu >= MASK_WORDS * 64) return false
  const mask = new BigUint64Array(MASK_WORDS)
  mask[cpu >> 6] = 1n << BigInt(cpu & 63)
  if (l.msgtrans_numa_pin_cpus(ptr(mask), MASK_WORDS) !== 0) return false
  return l.msgtrans_numa_current_cpu() === cpu
}

/** NUMA nodes online (sysfs "0-1,3" list); 1 when unknown. */
export function numaNodes(root = '/sys'): number {
  try {
    const text = readFileSync(`${root}/devices/system/node/online`, 'utf8').trim()
    let n = 0
    for (const part of text.split(',')) {
      const [lo, hi] = part.split('-').map(Number)
      n += hi === undefined ? 1 : hi - lo! + 1
    }
    return n > 0 ? n : 1
  } catch {
    return 1
  }
}
