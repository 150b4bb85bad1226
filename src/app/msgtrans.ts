import {
  codecOf,
  ErrorCode,
  MsgtransError,
  readResponse,
  type SendOptions,
  type SendResult,
  type Target,
} from '../protocol/index.ts'
import { loadQuicTransport } from '../transport/quic-loader.ts'
import { resolveConfig, type MsgtransConfig } from './config.ts'
import type { MaybePromise } from './maybe-async.ts'
import type { PublishResult } from './pubsub.ts'
import type { StandardSchemaV1 } from './schema.ts'
import { Server } from './server.ts'
import type { DrainResult } from './drain.ts'
import type { ClusterPrimary } from '../cluster/primary.ts'
import { isClusterWorker } from '../cluster/context.ts'
import { serverStats, type ServerStats } from './stats.ts'
import type { Session } from './session.ts'
import { addRoute, emptyState, mergeState, type AppState, type HttpHandler } from './state.ts'
import type { TransportHandlers } from '../transport/index.ts'
import type {
  BeforeHandle,
  ClientBody,
  CloseContext,
  ErrorContext,
  Handler,
  HandlerBody,
  OpenContext,
  PrimaryHook,
  PushOptions,
  ResponseOf,
  RouteOptions,
  RouteSpec,
  SessionRef,
} from './types.ts'

type Schema = StandardSchemaV1<any, any>
type Join<P extends string, N extends string> = P extends '' ? N : `${P}${N}`

/**
 * A msgtrans app: routes, hooks and state built by chaining, served over TCP and
 * WebSocket by `listen()`. Each call returns the same app with a wider type, so
 * handlers see what earlier calls added and clients can infer every route.
 *
 * @example
 * const app = new Msgtrans({ tcp: { port: 7001 }, ws: { port: 7002 } })
 *   .decorate('db', db)
 *   .message('chat/send', { body: z.object({ room: z.string(), text: z.string() }) },
 *     ({ body, publish }) => publish(body.room, 'chat/message', body))
 *   .request('chat/history', { body: z.object({ room: z.string() }) },
 *     ({ body, db }) => db.history(body.room))
 * await app.listen()
 */
export class Msgtrans<
  Ctx extends object = {},
  Routes extends Record<string, RouteSpec> = {},
  Pushes extends Record<string, unknown> = {},
  Prefix extends string = '',
> {
  /** Type-only record read by the typed client (`connect<typeof app>`). */
  declare readonly '~types': { routes: Routes; pushes: Pushes }
  readonly config: MsgtransConfig
  readonly #state: AppState
  readonly #prefix: string
  #server: Server | undefined
  #primary: ClusterPrimary | undefined
  readonly #primaryHooks: PrimaryHook[] = []

  constructor(config: MsgtransConfig = {}, state: AppState = emptyState(), prefix = '') {
    this.config = config
    this.#state = state
    this.#prefix = prefix
  }

  /** Adds shared mutable state, visible as `store[name]` in every context. */
  state<K extends string, V>(name: K, value: V): Msgtrans<Ctx & { store: Record<K, V> }, Routes, Pushes, Prefix> {
    this.#state.store[name] = value
    return this as any
  }

  /** Adds a value to every handler and hook context. */
  decorate<K extends string, V>(name: K, value: V): Msgtrans<Ctx & Record<K, V>, Routes, Pushes, Prefix> {
    this.#state.decorators[name] = value
    return this as any
  }

  /** Computes extra context per message from the context so far. */
  derive<R extends object>(
    fn: (ctx: Ctx & OpenContext<Ctx, Pushes> & { body: unknown }) => MaybePromise<R>,
  ): Msgtrans<Ctx & R, Routes, Pushes, Prefix> {
    this.#state.derives.push(fn)
    return this as any
  }

  /** Registers a one-way route. */
  message<const N extends string, const O extends RouteOptions<Schema | undefined, never>>(
    name: N,
    opts: O,
    handler: Handler<Ctx, O, Pushes>,
  ): Msgtrans<Ctx, Routes & Record<Join<Prefix, N>, RouteSpec<'message', ClientBody<O>, void>>, Pushes, Prefix>
  message<const N extends string>(
    name: N,
    handler: Handler<Ctx, {}, Pushes>,
  ): Msgtrans<Ctx, Routes & Record<Join<Prefix, N>, RouteSpec<'message', unknown, void>>, Pushes, Prefix>
  message(name: string, a: any, b?: any): any {
    return this.#route('message', name, b ? a : {}, b ?? a)
  }

  /** Registers a request route; the handler's result (or the `response` schema) is the reply. */
  request<const N extends string, const O extends RouteOptions<Schema | undefined, Schema | undefined>, R>(
    name: N,
    opts: O,
    handler: Handler<Ctx, O, Pushes, MaybePromise<R>>,
  ): Msgtrans<Ctx, Routes & Record<Join<Prefix, N>, RouteSpec<'request', ClientBody<O>, ResponseOf<O, R>>>, Pushes, Prefix>
  request<const N extends string, R>(
    name: N,
    handler: Handler<Ctx, {}, Pushes, MaybePromise<R>>,
  ): Msgtrans<Ctx, Routes & Record<Join<Prefix, N>, RouteSpec<'request', unknown, Awaited<R>>>, Pushes, Prefix>
  request(name: string, a: any, b?: any): any {
    return this.#route('request', name, b ? a : {}, b ?? a)
  }

  /** Declares a server→client push route (its biz_type and body type for clients). */
  push<const N extends string, const O extends PushOptions<Schema | undefined>>(
    name: N,
    opts: O = {} as O,
  ): Msgtrans<Ctx, Routes, Pushes & Record<N, HandlerBody<O>>, Prefix> {
    this.#state.pushes.set(name, { name, biz: opts.biz, body: opts.body })
    return this as any
  }

  /** Runs when a connection opens. */
  onOpen(fn: (ctx: OpenContext<Ctx, Pushes>) => unknown): this {
    this.#state.onOpen.push(fn)
    return this
  }

  /** Runs when a connection closes. */
  onClose(fn: (ctx: CloseContext<Ctx, Pushes>) => unknown): this {
    this.#state.onClose.push(fn)
    return this
  }

  /** Runs on every handler failure, bad payload or unmatched response. */
  onError(fn: (ctx: ErrorContext<Ctx, Pushes>) => unknown): this {
    this.#state.onError.push(fn)
    return this
  }

  /** Sees every inbound packet before routing; return false to drop it. */
  onMessage(fn: (ctx: { session: Session; packet: import('../protocol/index.ts').Packet }) => unknown): this {
    this.#state.onMessage.push(fn)
    return this
  }

  /** Runs before every handler; a returned value answers instead of the handler. */
  beforeHandle(fn: BeforeHandle<Ctx, Pushes>): this {
    this.#state.beforeHandle.push(fn)
    return this
  }

  /** Routes registered inside `fn` get `prefix` in front of their names. */
  group<const P extends string, R extends Msgtrans<any, any, any, any>>(
    prefix: P,
    fn: (app: Msgtrans<Ctx, {}, Pushes, Join<Prefix, P>>) => R,
  ): Msgtrans<Ctx, Routes & R['~types']['routes'], Pushes, Prefix> {
    fn(new Msgtrans(this.config, this.#state, this.#prefix + prefix))
    return this as any
  }

  /** Merges a plugin: another Msgtrans instance, or a function of this app. */
  use<P extends Msgtrans<any, any, any, any>>(
    plugin: P | ((app: this) => P),
  ): Msgtrans<Ctx & PluginCtx<P>, Routes & P['~types']['routes'], Pushes & P['~types']['pushes'], Prefix> {
    if (typeof plugin === 'function') return plugin(this) as any
    if (plugin.#state !== this.#state) mergeState(this.#state, plugin.#state)
    return this as any
  }

  /**
   * Starts serving; resolves when every listener is bound. With `workers` (or inside a
   * cluster worker) it serves from one Bun Worker per core instead: see docs/workers.md.
   */
  async listen(overrides: Partial<MsgtransConfig> = {}): Promise<this> {
    if (this.#server || this.#primary) throw new Error('msgtrans: already listening')
    const config = { ...this.config, ...overrides }
    // The cluster module (and node:worker_threads) is loaded only for a cluster: every
    // module loaded stays in the heap, and a bigger heap made each collection slower.
    if (config.workers !== undefined || isClusterWorker()) {
      const cluster = await import('../cluster/index.ts')
      const make = (c: MsgtransConfig) => new Server(this.#state, resolveConfig(c))
      const r = await cluster.clusterListen(config, make, this.#primaryHooks)
      this.#server = r.server
      this.#primary = r.primary
      return this
    }
    if (config.quic) await loadQuicTransport()
    const server = new Server(this.#state, resolveConfig(config))
    server.start()
    this.#server = server
    return this
  }

  /**
   * Runs once, in the primary thread only, before the workers start (`listen({ workers })`
   * loads this module in every worker too; top-level code runs in each of them).
   *
   * @example
   * app.primary(({ workers }) => console.log(`starting ${workers} workers`))
   */
  primary(fn: PrimaryHook): this {
    this.#primaryHooks.push(fn)
    return this
  }

  /** The running cluster, when this thread is the primary of `listen({ workers })`. */
  get cluster(): ClusterPrimary | undefined {
    return this.#primary
  }

  /**
   * Serves HTTP requests that are not WebSocket upgrades on the ws port; the
   * `http()` plugin of `msgtrans/http` puts an Elysia instance here.
   */
  serveHttp(handler: HttpHandler): this {
    this.#state.http = handler
    return this
  }

  /**
   * Runs the app on connections another server accepts (an Elysia `.ws()` route, see
   * `msgtrans/http`) instead of its own listeners; returns the callbacks to drive.
   */
  mount(overrides: Partial<MsgtransConfig> = {}): TransportHandlers {
    if (this.#server) throw new Error('msgtrans: already listening')
    const server = new Server(this.#state, resolveConfig({ ...this.config, ...overrides }))
    this.#server = server
    return server.handlers()
  }

  /** Stops accepting, closes sessions with a reason, resolves when they are gone. */
  async stop(deadlineMs?: number): Promise<void> {
    const server = this.#server
    const primary = this.#primary
    this.#server = this.#primary = undefined
    await primary?.stop(deadlineMs)
    await server?.stop(deadlineMs)
  }

  /**
   * Lame-duck shutdown: stop accepting, tell clients (E_DRAINING notice) to reconnect
   * elsewhere, finish in-flight requests, close sessions, all within `deadlineMs`
   * (config `drainTimeout`, 30 s). See RELIABILITY.md.
   *
   * @example
   * process.on('SIGTERM', () => app.drain(10_000))
   */
  async drain(deadlineMs?: number): Promise<DrainResult | undefined> {
    const server = this.#server
    const primary = this.#primary
    this.#server = this.#primary = undefined
    if (primary) return primary.drain(deadlineMs)
    return server?.drain(deadlineMs)
  }

  /** Bound ports (after listen). */
  get ports(): { tcp?: number; ws?: number; quic?: number } {
    const out: { tcp?: number; ws?: number; quic?: number } = {}
    if (this.#primary) return { ...this.#primary.ports }
    for (const l of this.#running().listeners) out[l.transport] = l.port
    return out
  }

  /** Counts of live per-connection state: sessions, subscriptions, in-flight... (leak checks). */
  get stats(): ServerStats {
    return serverStats(this.#running())
  }

  /** Live sessions of this process by id. */
  get sessions(): ReadonlyMap<number, Session> {
    return this.#running().sessions
  }

  /** The native core in use ('zig' or the pure-TS fallback). */
  get native() {
    return this.#running().native
  }

  /** Sends a one-way packet to a session by id. */
  send(sessionId: number, target: (keyof Pushes & string) | Target, body?: unknown, opts?: SendOptions): SendResult {
    return this.#running().send(sessionId, target, body, opts)
  }

  /**
   * Sends a request to a session by id (on any worker of a cluster) and resolves with
   * its decoded response; rejects with E_CLOSED when no such session is live.
   */
  async requestSession<T = unknown>(sessionId: number, target: Target, body?: unknown, opts?: SendOptions): Promise<T> {
    const server = this.#running()
    const local = server.sessions.get(sessionId)
    if (local) return local.request<T>(target, body, opts)
    if (!server.cluster) throw new MsgtransError(ErrorCode.closed, `no session ${sessionId}`)
    return readResponse(await server.cluster.request(sessionId, target, body, opts), server.maxDecompressed) as T
  }

  /** Worker index owning a live session (0 without a cluster), or -1 when none is live. */
  ownerOf(sessionId: number): number {
    const server = this.#running()
    return (server.cluster?.sessions ?? server.native.sessions).owner(sessionId)
  }

  /** Closes a session by id (on any worker of a cluster); false when none is live. */
  closeSession(sessionId: number, code?: number, reason?: string): boolean {
    const server = this.#running()
    const local = server.sessions.get(sessionId)
    if (local) return local.close(code, reason), true
    return server.cluster?.close(sessionId, code, reason) ?? false
  }

  /**
   * A handle on a session by id, wherever it lives: in a cluster the session may be
   * owned by another worker; `send`, `request` and `close` reach it there.
   *
   * @example
   * app.session(to).send('chat/dm', { from, text })
   */
  session(sessionId: number): SessionRef {
    return {
      id: sessionId,
      owner: this.ownerOf(sessionId),
      send: (target, body, opts) => this.send(sessionId, target as Target, body, opts),
      request: (target, body, opts) => this.requestSession(sessionId, target, body, opts),
      close: (code, reason) => this.closeSession(sessionId, code, reason),
    }
  }

  /** Publishes to a topic: one encode, written to every subscriber. */
  publish(topic: string, target: (keyof Pushes & string) | Target, body?: unknown, opts?: SendOptions): PublishResult {
    return this.#running().publish(topic, target, body, opts)
  }

  /** Number of subscribers of a topic. */
  subscribers(topic: string): number {
    return this.#running().topics.count(topic)
  }

  /** Registered routes (for docs and tooling). */
  get routes() {
    return [...this.#state.routes.values()]
  }

  /** Declared pushes (for docs and tooling). */
  get pushes() {
    return [...this.#state.pushes.values()]
  }

  #route(kind: 'message' | 'request', name: string, opts: RouteOptions<any, any>, handler: any) {
    if (typeof handler !== 'function') throw new TypeError(`msgtrans: route "${name}" needs a handler`)
    addRoute(this.#state, {
      name: this.#prefix + name,
      kind,
      biz: opts.biz,
      body: opts.body,
      response: opts.response,
      codec: codecOf(opts.codec),
      codecOption: opts.codec,
      compression: opts.compression,
      handler,
      beforeHandle: [],
      lends: opts.codec === undefined || opts.codec === 'json' || opts.borrow === true,
    })
    return this
  }

  #running(): Server {
    if (!this.#server) throw new Error('msgtrans: not listening (call listen() first)')
    return this.#server
  }
}

type PluginCtx<P> = P extends Msgtrans<infer C, any, any, any> ? C : {}
