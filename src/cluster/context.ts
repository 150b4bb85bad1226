import type * as WorkerThreads from 'node:worker_threads'
import type { ClusterLink, ClusterLinkStats } from './link.ts'
import { WORKER_DATA_KEY, type WorkerInit } from './messages.ts'

/**
 * This thread's cluster role, read from workerData once. node:worker_threads is loaded
 * only off the main thread: outside a cluster it would add about 0.3 MB to the heap,
 * and every collection walks the heap.
 */
const init: WorkerInit | undefined = Bun.isMainThread
  ? undefined
  : (((require('node:worker_threads') as typeof WorkerThreads).workerData as Record<string, unknown> | null)?.[
      WORKER_DATA_KEY
    ] as WorkerInit | undefined)

/** True inside a Bun Worker started by `listen({ workers })`. */
export function isClusterWorker(): boolean {
  return init !== undefined
}

/** What the primary gave this worker (undefined outside cluster workers). */
export function workerInit(): WorkerInit | undefined {
  return init
}

/**
 * Index of this cluster worker (0..n-1), or -1 in the primary / without a cluster: use it
 * for per-worker work in a module every worker loads.
 *
 * @example
 * if (workerIndex() === 0) startCronJobs() // once per cluster, in worker 0
 */
export function workerIndex(): number {
  return init?.index ?? -1
}

let current: ClusterLink | undefined

/**
 * Set by a cluster worker once its link to the other workers is up.
 *
 * @example
 * setCurrentLink(new ClusterLink(init.index, table, server, delivery))
 */
export function setCurrentLink(link: ClusterLink): void {
  current = link
}

/**
 * This worker's cross-worker counters, or undefined outside a cluster worker.
 *
 * @example
 * app.request('stats', () => clusterStats()?.wakeups ?? 0)
 */
export function clusterStats(): ClusterLinkStats | undefined {
  return current?.stats()
}
