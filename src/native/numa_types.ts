/** NUMA topology, thread pinning and worker placement. */

export interface NumaNode {
  id: number
  cpus: number[]
  /** Distance to each node of the topology, in order (10 = local). */
  distances: number[]
}

export interface Topology {
  nodes: NumaNode[]
}

/** Where one worker runs. */
export interface Placement {
  worker: number
  node: number
  cpu: number
}

/**
 * NUMA from sysfs. `root` defaults to /sys; tests pass a fake tree.
 *
 * @example
 * const plan = numa.plan(1)             // one worker per node, each on its own CPU
 * numa.pinToCpus([plan[0].cpu])         // inside worker 0's thread
 */
export interface Numa {
  topology(root?: string): Topology
  plan(workersPerNode: number, root?: string): Placement[]
  /** Pins the calling thread; throws E_KERNEL_REFUSED / E_UNSUPPORTED. */
  pinToCpus(cpus: readonly number[]): void
  /** CPUs the calling thread may run on. */
  affinity(): number[]
  /** CPU the calling thread runs on now, or -1 if unknown. */
  currentCpu(): number
  /** NUMA node holding the (touched) memory of `view`; throws E_UNSUPPORTED in TS. */
  memoryNode(view: Uint8Array): number
}

/**
 * `perNode` placements per node, round robin over that node's CPUs.
 *
 * @example
 * planWorkers({ nodes: [{ id: 0, cpus: [0, 1], distances: [10] }] }, 1)
 * // [{ worker: 0, node: 0, cpu: 0 }]
 */
export function planWorkers(topology: Topology, perNode: number): Placement[] {
  const out: Placement[] = []
  for (const node of topology.nodes) {
    if (node.cpus.length === 0) continue
    for (let k = 0; k < perNode; k++) {
      out.push({ worker: out.length, node: node.id, cpu: node.cpus[k % node.cpus.length]! })
    }
  }
  return out
}
