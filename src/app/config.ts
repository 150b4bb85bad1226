import { DEFAULT_LIMITS, type Limits } from '../protocol/index.ts'
import type { WsOptions } from '../transport/index.ts'
import type { QuicOptions } from '../transport/quic.ts'
import type { Authenticate } from './auth.ts'
import type { MaybePromise } from './maybe-async.ts'
import type { RateLimitConfig } from './rate-limit.ts'
import type { Session } from './session.ts'
import type { Packet } from '../protocol/index.ts'

/** Server configuration. Every limit has a safe default. */
export interface MsgtransConfig {
  /** Serve v1 over TCP. */
  tcp?: { port: number; hostname?: string }
  /** Serve v1 over WebSocket (and HTTP beside it). */
  ws?: { port: number; hostname?: string; path?: string; fetch?: WsOptions['fetch'] }
  /**
   * Serve v1 over QUIC (node:quic, ALPN `msgtrans`); without cert/key a self-signed
   * dev certificate is generated and its SHA-256 fingerprint logged. See docs/quic.md.
   */
  quic?: QuicOptions
  /** Wire limits checked from the header before allocation. */
  limits?: Partial<Limits>
  /** Outbound bytes queued per connection before it is closed as a slow consumer. */
  maxQueuedBytes?: number
  /**
   * 'throughput' (default): small TCP packets written in one event-loop turn go out in
   * one socket write (corked, flushed before the loop continues). 'latency': each
   * packet is written immediately.
   */
  batching?: 'throughput' | 'latency'
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
  // Reliability and security (RELIABILITY.md). Every field has a safe default.
  /** Live connections, all transports (10,000); past it: E_OVERLOADED, close 1013. */
  maxConnections?: number
  /** Live connections per remote IP (1,000). */
  maxConnectionsPerIp?: number
  /** Topics one session may subscribe to (1,024); past it: E_TOO_MANY_SUBSCRIPTIONS. */
  maxSubscriptionsPerSession?: number
  /** Inbound handlers still running per session (1,024); past it: E_OVERLOADED. */
  maxInflightRequests?: number
  /** A handler still running after this many ms is answered E_TIMEOUT (30 s; 0 = never). */
  handlerTimeout?: number
  /** Close a session that sent nothing for this many ms with E_IDLE (0 = off, the default). */
  idleTimeout?: number
  /** Who a peer is: on the WebSocket upgrade and/or the first `$auth` request. */
  authenticate?: Authenticate
  /** Ms a connection may stay unauthenticated when `authenticate` is set (10 s). */
  authTimeout?: number
  /** Per-route authorization: false answers E_FORBIDDEN. */
  authorize?: (ctx: { session: Session; auth: unknown; route: string; packet: Packet }) => MaybePromise<boolean>
  /** Per-topic authorization of client subscriptions: false answers E_FORBIDDEN. */
  authorizeTopic?: (ctx: { session: Session; auth: unknown; topic: string; action: 'subscribe' }) => MaybePromise<boolean>
  /** Token-bucket rate limits per session and per route (off by default). */
  rateLimit?: RateLimitConfig
  /** Origins allowed to open WebSockets (any when unset; requests without Origin pass). */
  allowedOrigins?: string[]
  /** Ms an HTTP connection may idle before its upgrade completes (10 s, whole seconds). */
  upgradeTimeout?: number
  /** Ms `drain()` waits for in-flight work before closing what is left (30 s). */
  drainTimeout?: number
  /**
   * One Bun Worker per core: 'auto' (one per usable CPU) or a count. Every worker loads
   * the app module and listens on the same ports (SO_REUSEPORT). See docs/workers.md.
   */
  workers?: 'auto' | number
  /** Workers placed on each NUMA node (default: one per CPU of the node). */
  workersPerNumaNode?: number
  /** Module every worker loads (default `Bun.main`, the script that called listen). */
  workerEntry?: string
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
  maxConnections: number
  maxConnectionsPerIp: number
  maxSubscriptionsPerSession: number
  maxInflightRequests: number
  handlerTimeout: number
  idleTimeout: number
  authTimeout: number
  upgradeTimeout: number
  drainTimeout: number
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
    ...reliabilityDefaults(c),
  }
}

function reliabilityDefaults(c: MsgtransConfig) {
  return {
    maxConnections: c.maxConnections ?? 10_000,
    maxConnectionsPerIp: c.maxConnectionsPerIp ?? 1_000,
    maxSubscriptionsPerSession: c.maxSubscriptionsPerSession ?? 1_024,
    maxInflightRequests: c.maxInflightRequests ?? 1_024,
    handlerTimeout: c.handlerTimeout ?? 30_000,
    idleTimeout: c.idleTimeout ?? 0,
    authTimeout: c.authTimeout ?? 10_000,
    upgradeTimeout: c.upgradeTimeout ?? 10_000,
    drainTimeout: c.drainTimeout ?? 30_000,
  }
}
