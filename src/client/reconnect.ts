import {
  ErrorCode,
  MsgtransError,
  routeName,
  type Packet,
  type SendOptions,
  type SendResult,
} from '../protocol/index.ts'
import { backoffDelay, type BackoffOptions } from './backoff.ts'
import type { Client, ClientOptions } from './client.ts'
import { connectWs } from './connect-ws.ts'
import { OfflineQueue, type QueuedOp } from './offline-queue.ts'
import type {
  BodyArgs,
  BodyOf,
  HandlerKey,
  MessageRoutes,
  PushBody,
  PushHandler,
  PushNames,
  RawTarget,
  RequestHandler,
  RequestRoutes,
  ResponseOfRoute,
} from './types.ts'

type RequestOptions = SendOptions & { raw?: boolean }

/** Offline queue overflow: the request was refused, not sent. */
export const E_OFFLINE_QUEUE_FULL = 'E_OFFLINE_QUEUE_FULL'

/** Options of a reconnecting client. */
export interface ReconnectOptions extends ClientOptions {
  /** Opens one connection (default: WebSocket only, `connectWs`; pass `connect` for tcp://). */
  connect?: (url: string, options: ClientOptions) => Promise<Client<any>>
  /** Reconnect delays (250 ms doubling to 10 s, with jitter). */
  backoff?: BackoffOptions
  /** Give up after this many failed connects in a row (default: never). */
  maxAttempts?: number
  /**
   * Application heartbeat: a one-way packet with biz `biz` (0xFE) every `interval` ms;
   * when nothing arrives for `timeout` ms the connection is dropped and re-opened.
   * Off by default: msgtrans 1.0.x servers have none (install `heartbeat()` on ours).
   */
  heartbeat?: { interval?: number; timeout?: number; biz?: number } | false
  /** Sends and requests held while offline (256); past it sends are 'dropped'. */
  offlineQueue?: number
  /** Random source for jitter (tests). */
  random?: () => number
}

/** Where a reconnecting client is. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Detail of a state change. */
export interface StateInfo {
  attempt?: number
  delay?: number
  code?: number
  reason?: string
}

/**
 * A client that stays connected: reconnects with exponential backoff and jitter,
 * re-subscribes its topics and keeps its `on`/`handle` handlers across connections,
 * holds sends and requests made while offline in a bounded queue, and (opt-in) sends
 * heartbeats and drops a silent connection. Requests in flight when a connection drops
 * are rejected with E_CLOSED (they may or may not have run); queued ones keep their
 * timeout. Runs in browsers and Bun.
 *
 * @example
 * const c = new ReconnectingClient<typeof app>('ws://127.0.0.1:7002', { heartbeat: {} })
 * c.on('chat/message', (m) => console.log(m.text))
 * await c.subscribe('lobby')
 * c.send('chat/send', { room: 'lobby', text: 'hi' }) // 'sent', or 'queued' while offline
 */
export class ReconnectingClient<App = unknown> {
  readonly #queue: OfflineQueue
  readonly #topics = new Set<string>()
  readonly #pushes = new Map<HandlerKey, Set<PushHandler>>()
  readonly #handlers = new Map<HandlerKey, RequestHandler>()
  readonly #listeners = new Set<(state: ConnectionState, info: StateInfo) => void>()
  readonly #errors = new Set<(e: { code: string; message: string }) => void>()
  #client: Client | undefined
  #state: ConnectionState = 'connecting'
  #attempt = 0
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined
  #lastSeen = 0
  #connections = 0

  constructor(
    readonly url: string,
    readonly options: ReconnectOptions = {},
  ) {
    this.#queue = new OfflineQueue(options.offlineQueue ?? 256)
    void this.#connect()
  }

  /** Current state. */
  get state(): ConnectionState {
    return this.#state
  }

  /** Connections opened so far (1 after the first connect). */
  get connections(): number {
    return this.#connections
  }

  /** Operations waiting for a connection. */
  get queued(): number {
    return this.#queue.size
  }

  /** Topics re-subscribed on every reconnect. */
  get topics(): ReadonlySet<string> {
    return this.#topics
  }

  /** Resolves when connected (now or on the next open); rejects once closed. */
  ready(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve()
    if (this.#state === 'closed') return Promise.reject(this.#closedError())
    return new Promise((resolve, reject) => {
      const off = this.onState((s) => {
        if (s === 'open') resolve()
        else if (s === 'closed') reject(this.#closedError())
        else return
        off()
      })
    })
  }

  /** Listens for state changes; returns an unsubscribe function. */
  onState(fn: (state: ConnectionState, info: StateInfo) => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  /** Sends a one-way packet, or queues it while offline ('queued'; 'dropped' when full). */
  send<K extends MessageRoutes<App>>(route: K, ...args: BodyArgs<BodyOf<App, K>, SendOptions>): SendResult
  send(target: RawTarget<App>, body?: unknown, opts?: SendOptions): SendResult
  send(target: any, body?: unknown, opts?: SendOptions): SendResult {
    if (this.#client) return this.#client.send(target, body, opts)
    if (this.#state === 'closed') return 'dropped'
    const op = { run: () => void this.#client?.send(target, body, opts), drop: () => {} }
    return this.#queue.push(op) ? 'queued' : 'dropped'
  }

  /** Sends a request; while offline it waits in the queue, its timeout running. */
  request<K extends RequestRoutes<App>>(
    route: K,
    ...args: BodyArgs<BodyOf<App, K>, RequestOptions>
  ): Promise<ResponseOfRoute<App, K>>
  request<T = unknown>(target: RawTarget<App>, body?: unknown, opts?: RequestOptions): Promise<T>
  request(target: any, body?: unknown, opts?: RequestOptions): Promise<unknown> {
    if (this.#client) return this.#seenOn(this.#client.request(target, body, opts))
    if (this.#state === 'closed') return Promise.reject(this.#closedError())
    const timeout = opts?.timeout ?? this.options.timeout ?? 10_000
    const started = Date.now()
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const op: QueuedOp = {
        run: () => {
          clearTimeout(timer)
          const left = Math.max(1, timeout - (Date.now() - started))
          this.request(target, body, { ...opts, timeout: left }).then(resolve, reject)
        },
        drop: (reason) => {
          clearTimeout(timer)
          reject(reason)
        },
      }
      if (!this.#queue.push(op)) {
        const full = `offline queue is full (${this.#queue.capacity})`
        return reject(new MsgtransError(E_OFFLINE_QUEUE_FULL, full))
      }
      timer = setTimeout(() => {
        this.#queue.remove(op)
        reject(new MsgtransError(ErrorCode.timeout, `request timed out after ${timeout} ms (offline)`))
      }, timeout)
    })
  }

  /** Listens for pushes of a route, a biz_type, or '*'; survives reconnects. */
  on<K extends PushNames<App>>(route: K, fn: (body: PushBody<App, K>, packet: Packet) => void): () => void
  on(route: HandlerKey, fn: PushHandler): () => void
  on(route: HandlerKey, fn: PushHandler): () => void {
    let set = this.#pushes.get(route)
    if (!set) this.#pushes.set(route, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  /** Answers server→client requests of a route, a biz_type, or '*'; survives reconnects. */
  handle(route: HandlerKey, fn: RequestHandler): this {
    this.#handlers.set(route, fn)
    return this
  }

  /** Error notices from the server. */
  onError(fn: (e: { code: string; message: string }) => void): () => void {
    this.#errors.add(fn)
    return () => this.#errors.delete(fn)
  }

  /** Subscribes to a topic now (or when connected) and again after every reconnect. */
  async subscribe(topic: string): Promise<boolean> {
    const ok = await (this as ReconnectingClient).request<{ ok: boolean }>('$subscribe', { topic })
    this.#topics.add(topic)
    return ok.ok
  }

  /** Unsubscribes and stops re-subscribing the topic. */
  async unsubscribe(topic: string): Promise<boolean> {
    this.#topics.delete(topic)
    if (!this.#client) return true
    return (await (this as ReconnectingClient).request<{ ok: boolean }>('$unsubscribe', { topic })).ok
  }

  /** Closes for good: no more reconnects; queued operations are rejected. */
  async close(code = 1000, reason = ''): Promise<void> {
    const client = this.#client
    this.#stop()
    this.#setState('closed', { code, reason })
    this.#queue.clear(this.#closedError())
    await client?.close(code, reason)
  }

  async #connect(): Promise<void> {
    if (this.#state === 'closed') return
    const open = this.options.connect ?? connectWs
    let client: Client
    try {
      client = await open(this.url, { ...this.options, connectTimeout: 0 })
    } catch (err) {
      return this.#retry(err)
    }
    if ((this.#state as ConnectionState) === 'closed') return void client.close()
    this.#attach(client)
  }

  #attach(client: Client): void {
    this.#client = client
    this.#attempt = 0
    this.#connections++
    this.#seen()
    client.on('*', this.#dispatch)
    client.handle('*', this.#answer)
    client.onError((e) => {
      this.#seen()
      for (const fn of this.#errors) fn(e)
    })
    void client.closed().then(({ code, reason }) => this.#lost(client, code, reason))
    for (const topic of this.#topics) client.subscribe(topic).catch(() => {})
    // state listeners run before the queue is flushed: a re-join sent there goes first
    this.#setState('open', {})
    if (this.#client !== client) return
    this.#queue.flush()
    this.#startHeartbeat(client)
  }

  #lost(client: Client, code: number, reason: string): void {
    if (this.#client !== client) return
    this.#client = undefined
    clearInterval(this.#heartbeatTimer)
    if (this.#state === 'closed') return
    this.#retry(undefined, { code, reason })
  }

  #retry(err: unknown, info: StateInfo = {}): void {
    if (this.#state === 'closed') return
    this.#attempt++
    const max = this.options.maxAttempts ?? Infinity
    if (this.#attempt > max) {
      const why = err instanceof Error ? `: ${err.message}` : ''
      return void this.close(1006, `gave up after ${max} attempts${why}`)
    }
    const delay = backoffDelay(this.#attempt, this.options.backoff, this.options.random)
    this.#setState('reconnecting', { ...info, attempt: this.#attempt, delay })
    this.#retryTimer = setTimeout(() => void this.#connect(), delay)
  }

  #startHeartbeat(client: Client): void {
    const hb = this.options.heartbeat
    if (!hb) return
    const interval = hb.interval ?? 15_000
    const timeout = hb.timeout ?? interval * 3
    const biz = hb.biz ?? 0xfe
    this.#heartbeatTimer = setInterval(() => {
      if (Date.now() - this.#lastSeen > timeout) {
        client.close(4000, 'heartbeat timeout')
        return this.#lost(client, 4000, 'heartbeat timeout')
      }
      client.send({ biz }, new Uint8Array(0))
    }, interval)
  }

  #dispatch = (body: unknown, packet: Packet): void => {
    this.#seen()
    const name = routeName(packet.ext, packet.flags)
    for (const key of [name, packet.biz, '*'] as const) {
      if (key === undefined) continue
      const set = this.#pushes.get(key)
      if (set) for (const fn of set) fn(body, packet)
    }
  }

  #answer = (body: unknown, packet: Packet): unknown => {
    this.#seen()
    const name = routeName(packet.ext, packet.flags)
    const h = this.#handlers
    const fn = (name !== undefined && h.get(name)) || h.get(packet.biz) || h.get('*')
    const what = name ?? `biz ${packet.biz}`
    if (!fn) throw new MsgtransError(ErrorCode.notFound, `no client handler for ${what}`)
    return fn(body, packet)
  }

  #seenOn<T>(p: Promise<T>): Promise<T> {
    return p.then((v) => {
      this.#seen()
      return v
    })
  }

  #seen(): void {
    this.#lastSeen = Date.now()
  }

  #stop(): void {
    clearTimeout(this.#retryTimer)
    clearInterval(this.#heartbeatTimer)
    this.#client = undefined
  }

  #setState(state: ConnectionState, info: StateInfo): void {
    if (this.#state === 'closed') return
    this.#state = state
    for (const fn of [...this.#listeners]) fn(state, info)
  }

  #closedError(): MsgtransError {
    return new MsgtransError(ErrorCode.closed, 'reconnecting client is closed')
  }
}
