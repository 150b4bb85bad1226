// Shared setup for the repros: a node:quic server on 127.0.0.1 with a self-signed cert.
import { listen, QuicEndpoint, type QuicSession } from 'node:quic'
import { selfSignedIdentity } from '../../src/transport/quic-cert.ts'

export const id = selfSignedIdentity()

export function server(onSession: (s: QuicSession) => void, extra: Record<string, unknown> = {}) {
  const endpoint = new QuicEndpoint({ address: '127.0.0.1:0' })
  listen(onSession, {
    endpoint,
    alpn: ['msgtrans'],
    sni: { '*': { keys: [id.key], certs: [Buffer.from(id.certPem)] } },
    ...extra,
  } as never)
  return `127.0.0.1:${endpoint.address!.port}`
}
