import type { MsgtransConfig } from '../app/config.ts'
import type * as QuicCert from '../transport/quic-cert.ts'
import type { ClusterQuic } from './messages.ts'

/**
 * The worker that serves QUIC in cluster mode. Bun 1.4's QuicEndpoint ignores
 * `reusePort` (docs/quic.md, defect 6), so workers cannot share one UDP port the way
 * they share the TCP and WebSocket ports; one of them binds it.
 */
export const QUIC_WORKER = 0

/**
 * Primary side of QUIC in a cluster: loads the certificate once, or generates the dev
 * certificate once (so the fingerprint clients pin is the one every worker incarnation
 * serves, restarts included), and names the worker that serves QUIC.
 *
 * @example
 * const quic = clusterQuic({ tcp: { port: 7001 }, quic: { port: 7003 } }, 4, console.warn)
 * quic?.worker // 0
 */
export function clusterQuic(config: MsgtransConfig, workers: number, log: (m: string) => void): ClusterQuic | null {
  const options = config.quic
  if (!options) return null
  if (workers > 1 && !config.tcp && !config.ws) {
    throw new Error(
      'msgtrans: QUIC alone cannot use several workers (one worker serves QUIC, node:quic cannot ' +
        'share a UDP port; see docs/workers.md): use workers: 1 or add tcp/ws listeners',
    )
  }
  // Loaded only here: quic-cert brings node:crypto (about 0.5 MB of heap) with it.
  const { quicIdentity } = require('../transport/quic-cert.ts') as typeof QuicCert
  const id = quicIdentity(options)
  if (id.selfSigned) {
    log(`quic: dev mode, self-signed ECDSA P-256 certificate, sha256 ${id.fingerprint} (served by worker ${QUIC_WORKER})`)
  }
  const key = id.key.export({ type: 'pkcs8', format: 'pem' }) as string
  return { worker: QUIC_WORKER, cert: id.certPem, key }
}
