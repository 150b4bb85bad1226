import { isMainThread, workerData } from 'node:worker_threads'
import { WORKER_DATA_KEY, type WorkerInit } from './messages.ts'

/** This thread's cluster role, read from workerData once. */
const init: WorkerInit | undefined = isMainThread
  ? undefined
  : ((workerData as Record<string, unknown> | null)?.[WORKER_DATA_KEY] as WorkerInit | undefined)

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
