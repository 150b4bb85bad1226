import { loadNative, TransportKind, type NativeCore } from '../native/index.ts'
import { jsonCodec, MsgtransError, ErrorCode, outboundFields, encodeOutbound, PacketType } from '../protocol/index.ts'
import type { Packet, SendOptions, SendResult, Target } from '../protocol/index.ts'
import {
  CloseCode,
  listenTcp,
  listenWs,
  type Connection,
  type TransportHandlers,
  type TransportListener,
} from '../transport/index.ts'
import type { ClusterHooks } from './cluster-hooks.ts'
import type { ResolvedConfig } from './config.ts'
import { quicTransport } from '../transport/quic-loader.ts'
import { contextFactory, type ContextFactory } from './context.ts'
import { dispatchPacket, type Runtime } from './dispatch.ts'
import { encodePooled, poolBuffers } from './pooled.ts'
import { drainServer, type DrainResult } from './drain.ts'
import { Guards } from './guards.ts'
import { then } from './maybe-async.ts'
import { TopicRegistry, type PublishResult } from './pubsub.ts'
import { Session, type SessionHost } from './session.ts'
import type { AppState } from './state.ts'

/** The running side of an app: listeners, sessions, topics. */
export class Server implements SessionHost, Runtime {
  readonly sessions = new Map<number, Session>()
  readonly topics = new TopicRegistry()
  readonly native: NativeCore
  readonly listeners: TransportListener[] = []
  readonly #byConn = new Map<Connection, Session>()
  readonly #closedWaiters = new Set<() => void>()
  /** Limits, auth, rate limits, idle timeouts, in-flight bounds (src/app/guards.ts). */
  readonly guards: Guards
  /** Set when this server is one worker of a cluster (src/cluster); else undefined. */
  cluster: ClusterHooks | undefined = undefined

  constructor(
    readonly state: AppState,
    readonly config: ResolvedConfig,
  ) {
    this.native = loadNative()
    this.guards = new Guards(config, state)
  }

  get inflight() {
    return this.guards.inflight
  }

  get requestTimeout() {
    return this.config.requestTimeout
  }
  get maxPendingRequests() {
    return this.config.maxPendingRequests
  }
  get maxDecompressed() {
    return this.config.limits.maxDecompressed
  }
  get exposeErrors() {
    return this.config.exposeErrors
  }

  /** Starts the configured listeners. */
  start(): void {
    const c = this.config
    const settings = {
      limits: c.limits,
      maxQueuedBytes: c.maxQueuedBytes,
      log: c.log,
      admitUpgrade: this.guards.upgrade,
      upgradeTimeout: c.upgradeTimeout,
      batching: c.batching,
      buffers: poolBuffers(this.native.buffers),
    }
    const handlers = this.handlers()
    try {
      if (c.tcp) this.listeners.push(listenTcp(c.tcp, handlers, settings))
      const ws = c.ws && { ...c.ws, fetch: c.ws.fetch ?? this.state.http }
      if (ws) this.listeners.push(listenWs(ws, handlers, settings))
      if (c.quic) this.listeners.push(quicTransport().listenQuic(c.quic, handlers, settings))
    } catch (err) {
      this.stopListeners(true)
      throw err
    }
    if (this.listeners.length === 0) throw new Error('msgtrans: configure at least one of tcp, ws, quic')
  }

  /** biz_type to send with a route name (a declared push's, else its route's, else 0). */
  bizOf = (route: string): number => {
    const { pushes, routes } = this.state
    // Routes and pushes are only ever added: their counts tell when the cache is stale.
    const stamp = routes.size * 0x10000 + pushes.size
    if (stamp !== this.#bizStamp) {
      this.#biz.clear()
      this.#bizStamp = stamp
      this.#lastRoute = undefined
    }
    if (route === this.#lastRoute) return this.#lastBiz
    let biz = this.#biz.get(route)
    if (biz === undefined) {
      biz = pushes.get(route)?.biz ?? routes.get(route)?.biz ?? 0
      if (this.#biz.size < 4096) this.#biz.set(route, biz)
    }
    this.#lastRoute = route
    this.#lastBiz = biz
    return biz
  }
  // The last route asked for: consecutive sends usually name the same one.
  #lastRoute: string | undefined
  #lastBiz = 0
  #biz = new Map<string, number>()
  #bizStamp = -1

  subscribe(session: Session, topic: string): boolean {
    this.guards.checkSubscribe(session, topic)
    return this.topics.subscribe(topic, session)
  }

  unsubscribe(session: Session, topic: string): boolean {
    return this.topics.unsubscribe(topic, session)
  }

  /** Encodes once and writes to every subscriber of `topic`. */
  publish(topic: string, target: Target, body?: unknown, opts?: SendOptions & { except?: Session }): PublishResult {
    const f = outboundFields(target, body, jsonCodec, opts, this.bizOf)
    if (this.cluster) {
      const packet = encodeOutbound(f, PacketType.oneWay, 0)
      this.cluster.publish(topic, packet)
      return this.topics.deliver(topic, packet, opts?.except)
    }
    // One encode into a pooled, refcounted buffer for every subscriber of this process.
    const pooled = encodePooled(this.native.buffers, f, PacketType.oneWay, 0)
    try {
      return this.topics.deliver(topic, pooled.bytes, opts?.except, pooled.owner)
    } finally {
      pooled.done()
    }
  }

  /** Sends to a session by id; 'dropped' when it is not connected here. */
  send(sessionId: number, target: Target, body?: unknown, opts?: SendOptions): SendResult {
    const local = this.sessions.get(sessionId)
    if (local || !this.cluster) return local?.send(target, body, opts) ?? 'dropped'
    return this.cluster.send(sessionId, target, body, opts)
  }

  /**
   * Context fields every handler and hook of a session sees. Built once per session;
   * a handler's context is a fresh object on top of it.
   */
  baseContext(session: Session): Record<string, unknown> {
    return (session.contextBase ??= {
      ...this.state.decorators,
      store: this.state.store,
      session,
      publish: this.#publish,
    })
  }

  #publish = this.publish.bind(this)
  #makeContext: ContextFactory | undefined

  /** A route handler's context (one shape for all sessions; see context.ts). */
  handlerContext(session: Session, body: unknown, packet: Packet, route: string): Record<string, unknown> {
    this.#makeContext ??= contextFactory({
      ...this.state.decorators,
      store: this.state.store,
      publish: this.#publish,
    })
    return this.#makeContext(session, body, packet, route)
  }

  builtin(name: string, session: Session, body: unknown) {
    if (name !== '$subscribe' && name !== '$unsubscribe') return undefined
    if (!this.config.clientSubscribe) throw new MsgtransError('E_FORBIDDEN', 'client subscriptions are disabled')
    const topic = typeof body === 'string' ? body : (body as { topic?: unknown } | undefined)?.topic
    if (typeof topic !== 'string' || topic.length === 0 || topic.length > 256) {
      throw new MsgtransError(ErrorCode.validation, 'topic must be a string of 1..256 characters')
    }
    if (name === '$unsubscribe') return { ok: session.unsubscribe(topic), topic }
    return then(this.guards.authorizeTopic(session, topic, 'subscribe'), () => ({ ok: session.subscribe(topic), topic }))
  }

  reportError(session: Session, error: Error, code: string, packet?: Packet, route?: string): void {
    if (this.state.onError.length === 0) {
      if (code === ErrorCode.handler) this.config.log(`handler error in ${route ?? '?'}: ${error.stack ?? error}`)
      return
    }
    const ctx = { ...this.baseContext(session), error, code, packet, route }
    for (const hook of this.state.onError) safely(this.config.log, () => hook(ctx))
  }

  stopListeners(closeActive: boolean): void {
    for (const l of this.listeners.splice(0)) l.stop(closeActive)
  }

  /** Stops accepting, closes every session with 1001 and waits (bounded) for them to end. */
  async stop(deadlineMs = 5_000): Promise<void> {
    this.stopListeners(false)
    for (const s of this.sessions.values()) s.close(CloseCode.goingAway, `${ErrorCode.shutdown}: server stopping`)
    const deadline = Date.now() + deadlineMs
    while (this.sessions.size > 0 && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.#closedWaiters.add(r)
        setTimeout(r, 50)
      })
    }
    this.stopListeners(true)
    this.guards.stop()
  }

  /** Transport callbacks; also what an outside server drives in mounted mode (src/http). */
  handlers(): TransportHandlers {
    return {
      open: (conn) => this.#open(conn),
      packet: (conn, packet) => {
        const s = this.#byConn.get(conn)
        if (s) this.guards.packet(s, packet, this.#dispatch)
      },
      close: (conn, code, reason) => this.#close(conn, code, reason),
    }
  }

  #dispatch = (s: Session, packet: Packet): void => dispatchPacket(this, s, packet)

  /**
   * Lame duck: stops accepting, tells every client (E_DRAINING notice) to reconnect
   * elsewhere, lets in-flight handlers finish, closes each session once it is idle and
   * whatever is left at the deadline.
   */
  drain(deadlineMs = this.config.drainTimeout): Promise<DrainResult> {
    return drainServer(this, deadlineMs)
  }

  #open(conn: Connection): void {
    if (!this.guards.admit(conn)) return
    const table = this.cluster?.sessions ?? this.native.sessions
    const id = table.insert({ owner: this.cluster?.index ?? 0, transport: TransportKind[conn.transport], tag: 0 })
    const session = new Session(id, conn, this)
    this.sessions.set(id, session)
    this.#byConn.set(conn, session)
    this.guards.opened(session, (conn as { admission?: { identity?: unknown } }).admission?.identity)
    const ctx = Object.create(this.baseContext(session))
    for (const hook of this.state.onOpen) runHook(this.config.log, () => hook(ctx))
  }

  #close(conn: Connection, code: number, reason: string): void {
    const session = this.#byConn.get(conn)
    this.guards.closed(conn, session)
    if (!session) return
    this.#byConn.delete(conn)
    this.sessions.delete(session.id)
    ;(this.cluster?.sessions ?? this.native.sessions).remove(session.id)
    session.pending.rejectAll(new MsgtransError(ErrorCode.closed, `connection closed (${code})`))
    // Hooks still see session.topics (e.g. to tell a room someone left); the session is
    // removed from them right after, so a publish from the hook skips it.
    const ctx = { ...this.baseContext(session), code, reason }
    for (const hook of this.state.onClose) runHook(this.config.log, () => hook(ctx))
    this.topics.unsubscribeAll(session)
    for (const w of this.#closedWaiters) w()
    this.#closedWaiters.clear()
  }
}

function safely(log: (m: string) => void, fn: () => unknown): void {
  try {
    const out = fn()
    if (out instanceof Promise) out.catch((e) => log(`hook failed: ${e}`))
  } catch (e) {
    log(`hook failed: ${e}`)
  }
}

const runHook = safely
