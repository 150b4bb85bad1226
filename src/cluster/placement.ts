/**
 * CPU placement of cluster workers through the native NUMA module (core.numa): a plan of
 * `workersPerNumaNode` per node from sysfs, and pinning of each worker's thread. The
 * pure-TS core reads the same topology but cannot pin (workers then run unpinned).
 */
import { loadNative, planWorkers as planOnTopology, type Placement } from '../native/index.ts'

export type { Placement }

/** CPUs this process may use (affinity mask), for `workers: 'auto'`. */
export function usableCpus(): number {
  return Math.max(1, loadNative().numa.affinity().length)
}

/** NUMA nodes with CPUs (1 when sysfs says nothing). */
export function numaNodes(): number {
  try {
    return Math.max(1, loadNative().numa.topology().nodes.filter((n) => n.cpus.length > 0).length)
  } catch {
    return 1
  }
}

/**
 * `count` placements, `perNode` workers per NUMA node in each node's CPU order, cycling
 * through the plan when count exceeds it. Only CPUs this process may run on (its
 * affinity mask: `taskset`, a container's cpuset) are used. Empty when the topology
 * cannot be read.
 *
 * @example
 * planWorkers(4, 2) // [{ worker: 0, node: 0, cpu: 0 }, { worker: 1, node: 0, cpu: 1 }, ...]
 */
export function planWorkers(count: number, perNode: number): Placement[] {
  let plan: Placement[]
  try {
    const numa = loadNative().numa
    const topology = numa.topology()
    const allowed = new Set(numa.affinity())
    const nodes = topology.nodes.map((n) => ({ ...n, cpus: n.cpus.filter((c) => allowed.has(c)) }))
    // An affinity mask that shares no CPU with the topology says nothing: plan on all.
    plan = planOnTopology(nodes.some((n) => n.cpus.length > 0) ? { ...topology, nodes } : topology, perNode)
  } catch {
    return []
  }
  if (plan.length === 0) return []
  return Array.from({ length: count }, (_, i) => ({ ...plan[i % plan.length]!, worker: i }))
}

/** Pins the calling thread (this worker) to `cpu`; true when the kernel confirms it. */
export function pinToCpu(cpu: number): boolean {
  if (cpu < 0) return false
  const numa = loadNative().numa
  try {
    numa.pinToCpus([cpu])
  } catch {
    return false
  }
  return numa.currentCpu() === cpu
}
