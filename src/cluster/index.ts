/** One worker per core: `listen({ workers })`, cross-worker routing, the primary. */
import type { MsgtransConfig } from '../app/config.ts'
import type { Server } from '../app/server.ts'
import { loadNative } from '../native/index.ts'
import { loadQuicTransport } from '../transport/quic-loader.ts'
import { isClusterWorker, workerInit } from './context.ts'
import { numaNodes, planWorkers, usableCpus } from './placement.ts'
import { clusterPorts } from './ports.ts'
import { ClusterPrimary } from './primary.ts'
import { reclaimBuffers } from './reclaim.ts'
import { clusterQuic } from './quic.ts'
import { SharedSessionTable } from './shared-table.ts'
import { startWorker } from './worker.ts'

export { clusterStats, isClusterWorker, workerIndex } from './context.ts'
export { ClusterPrimary, type WorkerStatus } from './primary.ts'
export { SharedSessionTable } from './shared-table.ts'
export { QUIC_WORKER } from './quic.ts'
export { ClusterLink, type ClusterLinkStats } from './link.ts'

export { planWorkers, pinToCpu, usableCpus } from './placement.ts'

/** Most workers one process starts (the owner id space of the session table is wider). */
export const MAX_WORKERS = 256

/** What `listen()` became: a worker's server, or the primary. */
export interface ClusterStart {
  server?: Server
  primary?: ClusterPrimary
}

/**
 * `listen({ workers })`: in the primary thread start the workers (running `primary`
 * hooks first and handling SIGTERM/SIGINT); inside a worker serve this worker's share.
 */
export async function clusterListen(
  config: MsgtransConfig,
  make: (c: MsgtransConfig) => Server,
  primaryHooks: Array<(info: { workers: number }) => unknown>,
): Promise<ClusterStart> {
  const init = workerInit()
  if (init) {
    if (config.quic && init.quic?.worker === init.index) await loadQuicTransport()
    return { server: startWorker(init, config, make) }
  }
  const count = workerCount(config.workers)
  for (const hook of primaryHooks) await hook({ workers: count })
  const native = loadNative()
  const perNode = config.workersPerNumaNode ?? Math.ceil(count / numaNodes())
  const sharedTable = native.kind === 'zig' ? null : SharedSessionTable.allocate()
  const log = config.log ?? ((m: string) => console.warn(`msgtrans: ${m}`))
  const quic = clusterQuic(config, count, log)
  const primary = new ClusterPrimary({
    count,
    entry: config.workerEntry ?? Bun.main,
    ports: await clusterPorts(config),
    quic,
    cpus: planWorkers(count, perNode).map((p) => p.cpu),
    sharedTable,
    table: sharedTable ? new SharedSessionTable(sharedTable) : native.sessions,
    // Zig core: workers share one buffer pool and pass refs through native inboxes.
    reclaim: native.kind === 'zig' ? (index) => reclaimBuffers(native, index) : null,
    log,
  })
  await primary.start()
  onSignals(primary, config.drainTimeout ?? 30_000, log)
  return { primary }
}

function workerCount(workers: MsgtransConfig['workers']): number {
  const n = workers === 'auto' || workers === undefined ? usableCpus() : workers
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new RangeError(`msgtrans: workers must be 'auto' or an integer in 1..${MAX_WORKERS}`)
  }
  return n
}

/** SIGTERM/SIGINT: drain every worker (deadline `drainTimeout`), then exit 0. */
function onSignals(primary: ClusterPrimary, deadlineMs: number, log: (m: string) => void): void {
  let started = false
  const handler = (signal: string) => {
    if (started) return
    started = true
    log(`${signal}: draining ${primary.options.count} workers (deadline ${deadlineMs} ms)`)
    void primary.drain(deadlineMs).then((r) => {
      log(`drained: ${JSON.stringify(r)}`)
      process.exit(0)
    })
  }
  process.once('SIGTERM', handler)
  process.once('SIGINT', handler)
}

