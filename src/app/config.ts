import { DEFAULT_LIMITS, type Limits } from '../protocol/index.ts'
import type { WsOptions } from '../transport/index.ts'

/** Server configuration. Every limit has a safe default. */
export interface MsgtransConfig {
  /** Serve v1 over TCP. */
  tcp?: { port: number; hostname?: string }
  /** Serve v1 over WebSocket (and HTTP beside it). */
  ws?: { port: number; hostname?: string; path?: string; fetch?: WsOptions['fetch'] }
  /** Wire limits checked from the header before allocation. */
  limits?: Partial<Limits>
  /** Outbound bytes queued per connection before it is closed as a slow consumer. */
  maxQueuedBytes?: number
  /** Default timeout of server→client requests, ms (10 s). */
  requestTimeout?: number
  /** Bound on server→client requests awaiting answers per session. */
  maxPendingRequests?: number
  /** Let clients subscribe to topics with the built-in `$subscribe` route (default true). */
  clientSubscribe?: boolean
  /** Put handler error messages in error responses (default: not in production). */
  exposeErrors?: boolean
  /** Where connection-level problems are reported (default console.warn). */
  log?: (message: string) => void
}

/** Config with defaults filled in. */
export interface ResolvedConfig extends MsgtransConfig {
  limits: Limits
  maxQueuedBytes: number
  requestTimeout: number
  maxPendingRequests: number
  clientSubscribe: boolean
  exposeErrors: boolean
  log: (message: string) => void
}

export function resolveConfig(c: MsgtransConfig): ResolvedConfig {
  return {
    ...c,
    limits: { ...DEFAULT_LIMITS, ...c.limits },
    maxQueuedBytes: c.maxQueuedBytes ?? 32 * 1024 * 1024,
    requestTimeout: c.requestTimeout ?? 10_000,
    maxPendingRequests: c.maxPendingRequests ?? 1024,
    clientSubscribe: c.clientSubscribe ?? true,
    exposeErrors: c.exposeErrors ?? process.env.NODE_ENV !== 'production',
    log: c.log ?? ((m) => console.warn(`msgtrans: ${m}`)),
  }
}
