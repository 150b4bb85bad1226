import type { MsgtransConfig } from '../app/config.ts'
import type { ClusterPorts } from './messages.ts'

/**
 * Fixed ports for the workers. Port 0 cannot be shared (each worker would get its own),
 * so the primary binds port 0 once, reads the port back and closes it: TCP for `tcp`,
 * HTTP for `ws`, UDP for `quic` (a QUIC port is a UDP port; a free TCP port says
 * nothing about it).
 */
export async function clusterPorts(config: MsgtransConfig): Promise<ClusterPorts> {
  const out: ClusterPorts = {}
  if (config.tcp) out.tcp = config.tcp.port || freeTcpPort(config.tcp.hostname)
  if (config.ws) out.ws = config.ws.port || freeHttpPort(config.ws.hostname)
  if (config.quic) out.quic = config.quic.port || (await freeUdpPort(config.quic.hostname))
  return out
}

function freeTcpPort(hostname = '0.0.0.0'): number {
  const l = Bun.listen({ hostname, port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  return port
}

function freeHttpPort(hostname = '0.0.0.0'): number {
  const s = Bun.serve({ hostname, port: 0, fetch: () => new Response() })
  const port = s.port!
  void s.stop(true)
  return port
}

async function freeUdpPort(hostname = '0.0.0.0'): Promise<number> {
  const s = await Bun.udpSocket({ hostname, port: 0 })
  const port = s.port
  s.close()
  return port
}
