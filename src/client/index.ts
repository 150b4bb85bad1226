import { Client, type ClientOptions } from './client.ts'
import { openTcpLink } from './tcp.ts'
import { openWsLink } from './ws.ts'
import type { QuicLinkOptions } from './quic.ts'

export { Client, type ClientOptions } from './client.ts'
export type * from './types.ts'
export { MsgtransError } from '../protocol/index.ts'
export {
  ReconnectingClient,
  E_OFFLINE_QUEUE_FULL,
  type ReconnectOptions,
  type ConnectionState,
  type StateInfo,
} from './reconnect.ts'
export { connectWs } from './connect-ws.ts'
export { backoffDelay, type BackoffOptions } from './backoff.ts'

/**
 * Connects to a msgtrans server: `tcp://host:port` (Bun), `ws://`, `wss://` or
 * `quic://host:port` (Bun; trust with `ca`, `fingerprint` or `insecure`, see docs/quic.md).
 * Refused connects are retried for `connectTimeout` ms (default 5 s).
 *
 * @example
 * const c = await connect<typeof app>('tcp://127.0.0.1:7001')
 * const history = await c.request('chat/history', { room: 'lobby' })
 * await c.close()
 */
export async function connect<App = unknown>(
  url: string,
  options: ClientOptions & QuicLinkOptions = {},
): Promise<Client<App>> {
  const client = new Client<App>(options)
  const events = { packet: client.receive, close: client.closedBy }
  const u = new URL(url)
  const linkOpts = { subprotocol: options.subprotocol, connectTimeout: options.connectTimeout }
  if (u.protocol === 'tcp:') {
    const port = Number(u.port)
    return client.attach(await openTcpLink(u.hostname, port, client.limits, events, linkOpts))
  }
  if (u.protocol === 'ws:' || u.protocol === 'wss:') {
    return client.attach(await openWsLink(url, client.limits, events, linkOpts))
  }
  if (u.protocol === 'quic:') {
    const { openQuicLink } = await import('./quic.ts')
    const link = await openQuicLink(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port), client.limits, events, {
      ...options,
      ...linkOpts,
    })
    return client.attach(link)
  }
  throw new TypeError(`msgtrans: unsupported URL scheme ${u.protocol} (use tcp://, ws://, wss:// or quic://)`)
}
