/**
 * The browser entry of the client: WebSocket only, no Node or Bun APIs. Bundle it with
 * `bun run build:client` (bun build --target=browser) or load `/msgtrans.js` from a server
 * that uses the `http()` plugin. Compressed payloads are not supported in the browser build.
 *
 * @example
 * import { ReconnectingClient } from '/msgtrans.js'
 * const c = new ReconnectingClient(`ws://${location.host}/`, { heartbeat: { interval: 5000 } })
 */
export { connectWs as connectBrowser, connectWs } from './connect-ws.ts'
export { Client, type ClientOptions } from './client.ts'
export {
  ReconnectingClient,
  E_OFFLINE_QUEUE_FULL,
  type ReconnectOptions,
  type ConnectionState,
  type StateInfo,
} from './reconnect.ts'
export { backoffDelay, type BackoffOptions } from './backoff.ts'
export { MsgtransError, ErrorCode } from '../protocol/index.ts'
export type * from './types.ts'
