import { Client, type ClientOptions } from './client.ts'
import { openWsLink } from './ws.ts'

/**
 * Connects over WebSocket only, with the standard WebSocket API: works in browsers and
 * Bun, pulls in no TCP code. `connect()` from `msgtrans/client` adds `tcp://`.
 *
 * @example
 * const c = await connectWs<typeof app>('ws://127.0.0.1:7002')
 */
export async function connectWs<App = unknown>(
  url: string,
  options: ClientOptions = {},
): Promise<Client<App>> {
  const u = new URL(url)
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new TypeError(`msgtrans: unsupported URL scheme ${u.protocol} here (use ws:// or wss://)`)
  }
  const client = new Client<App>(options)
  const events = { packet: client.receive, close: client.closedBy }
  const linkOpts = { subprotocol: options.subprotocol, connectTimeout: options.connectTimeout }
  return client.attach(await openWsLink(url, client.limits, events, linkOpts))
}
