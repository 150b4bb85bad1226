import { parentPort } from 'node:worker_threads'
import type { MsgtransConfig } from '../app/config.ts'
import type { Server } from '../app/server.ts'
import { loadNative, type SessionTable } from '../native/index.ts'
import { ClusterLink } from './link.ts'
import { NativeDelivery } from './native-delivery.ts'
import type { ToPrimary, ToWorker, WorkerInit } from './messages.ts'
import { pinToCpu } from './placement.ts'
import { setCurrentLink } from './context.ts'
import { SharedSessionTable } from './shared-table.ts'

/**
 * Worker side of `listen({ workers })`: pins this thread, binds the shared ports with
 * SO_REUSEPORT (and the QUIC port, in the one worker that serves QUIC), joins the mesh
 * of peers and obeys the primary (peer up/down, drain).
 */
export function startWorker(
  init: WorkerInit,
  config: MsgtransConfig,
  make: (c: MsgtransConfig) => Server,
): Server {
  const port = parentPort
  if (!port) throw new Error('msgtrans: cluster worker without a parent port')
  const post = (m: ToPrimary) => port.postMessage(m)
  const pinned = init.cpu >= 0 && pinToCpu(init.cpu)
  const native = loadNative()
  const table: SessionTable = init.table ? new SharedSessionTable(init.table) : native.sessions
  const server = make(workerConfig(config, init))
  const useQueues = native.kind === 'zig' && !init.table
  let link!: ClusterLink
  const wake = (peer: number) => link.wake(peer)
  const delivery = useQueues ? new NativeDelivery(native, init.index, wake) : null
  link = new ClusterLink(init.index, table, server, delivery)
  server.cluster = link
  setCurrentLink(link)
  // A restarted worker inherits its slot's inbox: flush what was queued for the old one.
  link.drainInbox()
  port.on('message', (m: ToWorker) => {
    if (m.t === 'peer') link.addPeer(m.index, m.port)
    else if (m.t === 'down') {
      // From here on nothing of ours goes to its inbox: the primary may flush it.
      link.peerDown(m.index)
      post({ t: 'downAck', index: init.index, seq: m.seq })
    }
    else if (m.t === 'drain') {
      void server.drain(m.deadlineMs).then((result) => {
        post({ t: 'drained', index: init.index, result })
        process.exit(0)
      })
    }
  })
  try {
    server.start()
  } catch (e) {
    post({ t: 'failed', index: init.index, error: (e as Error).message })
    throw e
  }
  post({ t: 'ready', index: init.index, cpu: init.cpu, pinned, native: native.kind })
  return server
}

function workerConfig(c: MsgtransConfig, init: WorkerInit): MsgtransConfig {
  const out: MsgtransConfig = { ...c, workers: undefined, quic: undefined }
  if (c.tcp && init.ports.tcp) out.tcp = { ...c.tcp, port: init.ports.tcp, reusePort: true } as typeof c.tcp
  if (c.ws && init.ports.ws) out.ws = { ...c.ws, port: init.ports.ws, reusePort: true } as typeof c.ws
  // One worker binds the UDP port (node:quic has no reusePort), with the primary's
  // certificate: every incarnation of it serves the fingerprint clients pinned.
  const q = init.quic
  if (c.quic && q && q.worker === init.index && init.ports.quic) {
    out.quic = { ...c.quic, port: init.ports.quic, cert: q.cert, key: q.key }
  }
  return out
}
