import { ptr as pointerOf } from 'bun:ffi'
import { check, NativeError } from '../errors.ts'
import type { RawLib } from '../ffi.ts'
import type { Numa, Placement, Topology } from '../numa_types.ts'

const MASK_WORDS = 16 // 1024 CPUs
const MAX_PLACEMENTS = 4096

function rootArg(root: string | undefined): [Buffer | null, number] {
  if (!root) return [null, 0]
  const bytes = Buffer.from(root)
  return [bytes, bytes.length]
}

/**
 * NUMA through the native library: sysfs topology, affinity syscalls, get_mempolicy.
 *
 * @example
 * const numa = new ZigNuma(lib)
 * numa.pinToCpus(numa.topology().nodes[0].cpus)
 */
export class ZigNuma implements Numa {
  readonly #lib: RawLib
  constructor(lib: RawLib) {
    this.#lib = lib
  }

  topology(root?: string): Topology {
    const out = Buffer.alloc(1 << 16)
    const [path, len] = rootArg(root)
    const n = this.#lib.msgtrans_numa_topology_json(path, len, out, out.length)
    if (n < 0) throw new NativeError(n, 'numa topology')
    return JSON.parse(out.subarray(0, n).toString()) as Topology
  }

  plan(workersPerNode: number, root?: string): Placement[] {
    const out = new Uint32Array(MAX_PLACEMENTS * 3)
    const [path, len] = rootArg(root)
    const n = this.#lib.msgtrans_numa_plan(path, len, workersPerNode, out, MAX_PLACEMENTS)
    if (n < 0) throw new NativeError(n, 'numa plan')
    return Array.from({ length: n }, (_, i) => ({
      worker: out[i * 3]!, node: out[i * 3 + 1]!, cpu: out[i * 3 + 2]!,
    }))
  }

  pinToCpus(cpus: readonly number[]): void {
    const mask = new BigUint64Array(MASK_WORDS)
    for (const cpu of cpus) {
      if (!(cpu >= 0 && cpu < MASK_WORDS * 64)) throw new NativeError(-4, `pin cpu ${cpu}`)
      mask[cpu >> 6]! |= 1n << BigInt(cpu & 63)
    }
    check(this.#lib.msgtrans_numa_pin_cpus(mask, MASK_WORDS), `pin to cpus ${cpus.join(',')}`)
  }

  affinity(): number[] {
    const mask = new BigUint64Array(MASK_WORDS)
    const n = this.#lib.msgtrans_numa_affinity(mask, MASK_WORDS)
    if (n < 0) throw new NativeError(n, 'affinity')
    const cpus: number[] = []
    mask.forEach((word, w) => {
      for (let b = 0; b < 64; b++) if ((word >> BigInt(b)) & 1n) cpus.push(w * 64 + b)
    })
    return cpus
  }

  currentCpu(): number {
    const cpu = this.#lib.msgtrans_numa_current_cpu()
    return cpu < 0 ? -1 : cpu
  }

  memoryNode(view: Uint8Array): number {
    const node = this.#lib.msgtrans_numa_memory_node(pointerOf(view))
    if (node < 0) throw new NativeError(node, 'memory node')
    return node
  }
}
