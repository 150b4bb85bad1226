import {
  Compression,
  decodeErrorBody,
  decompressPayload,
  DEFAULT_LIMITS,
  encodeBody,
  encodeOutbound,
  encodePacket,
  ERROR_EXT,
  encodeErrorBody,
  ErrorCode,
  isErrorExt,
  jsonCodec,
  MessageIdCounter,
  MsgtransError,
  outboundFields,
  PacketType,
  PendingRequests,
  readResponse,
  routeName,
  type ErrorBody,
  type Limits,
  type Packet,
  type SendOptions,
  type SendResult,
  type Target,
} from '../protocol/index.ts'
import type { ClientLink } from './link.ts'
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


/** Options of a client. */
export interface ClientOptions {
  /** Default request timeout, ms (10 s). */
  timeout?: number
  /** Wire limits for inbound packets. */
  limits?: Partial<Limits>
  /** Bound on requests awaiting responses. */
  maxPending?: number
  /** Offer WebSocket subprotocol `msgtrans.v1` (off: the Rust server refuses it). */
  subprotocol?: boolean
  /** Retry refused connects for this long, ms. */
  connectTimeout?: number
  /** Largest payload to send; larger sends throw (set 1 MiB for msgtrans-rust TCP peers). */
  maxSendPayload?: number
}

/**
 * A connection to a msgtrans server. `connect<typeof app>()` types every route.
 *
 * @example
 * const c = await connect<typeof app>('ws://127.0.0.1:7002')
 * c.on('chat/message', (m) => console.log(m.text))
 * await c.request('chat/history', { room: 'lobby' })
 */
export class Client<App = unknown> {
  readonly pending: PendingRequests
  readonly limits: Limits
  readonly #ids = new MessageIdCounter()
  readonly #pushes = new Map<HandlerKey, Set<PushHandler>>()
  readonly #handlers = new Map<HandlerKey, RequestHandler>()
  readonly #errors = new Set<(e: ErrorBody, packet: Packet) => void>()
  readonly #closeWaiters: Array<(c: { code: number; reason: string }) => void> = []
  #link!: ClientLink
  #closedWith: { code: number; reason: string } | undefined
  #lastError: ErrorBody | undefined

  constructor(readonly options: ClientOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.pending = new PendingRequests(options.maxPending ?? 65_536)
  }

  /** Attaches the link (done by connect()). */
  attach(link: ClientLink): this {
    this.#link = link
    return this
  }

  get isClosed(): boolean {
    return this.#closedWith !== undefined
  }

  /** Outbound bytes not yet taken by the socket. */
  get bufferedAmount(): number {
    return this.#link.bufferedAmount
  }

  /** Sends a one-way packet to a route (or raw biz/ext target). */
  send<K extends MessageRoutes<App>>(route: K, ...args: BodyArgs<BodyOf<App, K>, SendOptions>): SendResult
  send(target: RawTarget<App>, body?: unknown, opts?: SendOptions): SendResult
  send(target: Target, body?: unknown, opts?: SendOptions): SendResult {
    return this.#link.write(this.#encode(target, body, opts, PacketType.oneWay, this.#ids.next()))
  }

  /** Sends a request and resolves with the decoded response body. */
  request<K extends RequestRoutes<App>>(
    route: K,
    ...args: BodyArgs<BodyOf<App, K>, SendOptions & { raw?: boolean }>
  ): Promise<ResponseOfRoute<App, K>>
  request<T = unknown>(target: RawTarget<App>, body?: unknown, opts?: SendOptions & { raw?: boolean }): Promise<T>
  async request(target: Target, body?: unknown, opts?: SendOptions & { raw?: boolean }): Promise<unknown> {
    return readResponse(await this.requestPacket(target, body, opts), this.limits.maxDecompressed, opts?.raw)
  }

  /** Sends a request and resolves with the response packet itself. */
  requestPacket(target: Target, body?: unknown, opts?: SendOptions): Promise<Packet> {
    if (this.#closedWith) return Promise.reject(this.#closedError())
    const id = this.#ids.next()
    const bytes = this.#encode(target, body, opts, PacketType.request, id)
    const reply = this.pending.add(id, opts?.timeout ?? this.options.timeout ?? 10_000)
    if (this.#link.write(bytes) === 'dropped') {
      this.pending.fail(id, new MsgtransError(ErrorCode.closed, 'request could not be written'))
    }
    return reply
  }

  /** Listens for pushes (one-way packets) of a route, a biz_type, or '*' for all. */
  on<K extends PushNames<App>>(route: K, fn: (body: PushBody<App, K>, packet: Packet) => void): () => void
  on(route: HandlerKey, fn: PushHandler): () => void
  on(route: HandlerKey, fn: PushHandler): () => void {
    let set = this.#pushes.get(route)
    if (!set) this.#pushes.set(route, (set = new Set()))
    set.add(fn)
    return () => set.delete(fn)
  }

  /** Answers server→client requests of a route, a biz_type, or '*' for all. */
  handle(route: HandlerKey, fn: RequestHandler): this {
    this.#handlers.set(route, fn)
    return this
  }

  /** Error notices from the server (bad input, failed one-way handlers). */
  onError(fn: (e: ErrorBody, packet: Packet) => void): () => void {
    this.#errors.add(fn)
    return () => this.#errors.delete(fn)
  }

  /** The last error notice the server sent. */
  get lastError(): ErrorBody | undefined {
    return this.#lastError
  }

  /** Subscribes this connection to a topic (built-in `$subscribe`). */
  async subscribe(topic: string): Promise<boolean> {
    return ((await (this as Client).request('$subscribe', { topic })) as { ok: boolean }).ok
  }

  /** Unsubscribes from a topic. */
  async unsubscribe(topic: string): Promise<boolean> {
    return ((await (this as Client).request('$unsubscribe', { topic })) as { ok: boolean }).ok
  }

  /** Resolves when the connection has closed. */
  closed(): Promise<{ code: number; reason: string }> {
    if (this.#closedWith) return Promise.resolve(this.#closedWith)
    return new Promise((r) => this.#closeWaiters.push(r))
  }

  /** Closes the connection; pending requests are rejected. */
  close(code = 1000, reason = ''): Promise<{ code: number; reason: string }> {
    this.#link.close(code, reason)
    return this.closed()
  }

  /** Link event: a packet arrived. */
  receive = (packet: Packet): void => {
    if (packet.type === PacketType.response) return void this.pending.settle(packet)
    if (isErrorExt(packet.ext)) return this.#errorNotice(packet)
    const name = routeName(packet.ext, packet.flags)
    if (packet.type === PacketType.request) return this.#answer(packet, name)
    const body = this.#decode(packet)
    for (const key of [name, packet.biz, '*'] as const) {
      if (key === undefined) continue
      const set = this.#pushes.get(key)
      if (set) for (const fn of set) fn(body, packet)
    }
  }

  /** Link event: the connection closed. */
  closedBy = (code: number, reason: string): void => {
    if (this.#closedWith) return
    this.#closedWith = { code, reason: reason || this.#lastError?.message || '' }
    this.pending.rejectAll(this.#closedError())
    for (const w of this.#closeWaiters.splice(0)) w(this.#closedWith)
  }

  #encode(target: Target, body: unknown, opts: SendOptions | undefined, type: number, id: number) {
    const f = outboundFields(target, body, jsonCodec, opts, () => 0)
    const max = this.options.maxSendPayload
    if (max !== undefined && f.payload.length > max) {
      throw new RangeError(`msgtrans: payload of ${f.payload.length} bytes exceeds maxSendPayload ${max}`)
    }
    return encodeOutbound(f, type, id)
  }

  #plain(packet: Packet): Uint8Array {
    if (packet.compression === Compression.none) return packet.payload
    return decompressPayload(packet.payload, packet.compression, this.limits.maxDecompressed)
  }

  #decode(packet: Packet): unknown {
    const payload = this.#plain(packet)
    try {
      return jsonCodec.decode(payload)
    } catch {
      return payload
    }
  }

  #answer(packet: Packet, name: string | undefined): void {
    const fn = (name !== undefined && this.#handlers.get(name)) || this.#handlers.get(packet.biz) || this.#handlers.get('*')
    const reply = (payload: Uint8Array, ext?: Uint8Array) =>
      this.#link.write(encodePacket({ type: PacketType.response, id: packet.id, biz: packet.biz, ext, payload }))
    const fail = (code: string, message: string) => reply(encodeErrorBody({ code, message }), ERROR_EXT)
    if (!fn) return void fail(ErrorCode.notFound, `no client handler for ${name ?? `biz ${packet.biz}`}`)
    Promise.resolve()
      .then(() => fn(this.#decode(packet), packet))
      .then(
        (result) => reply(encodeBody(result, jsonCodec)),
        (err) => fail(err instanceof MsgtransError ? err.code : ErrorCode.handler, String(err?.message ?? err)),
      )
  }

  #errorNotice(packet: Packet): void {
    const e = decodeErrorBody(packet.payload)
    this.#lastError = e
    for (const fn of this.#errors) fn(e, packet)
  }

  #closedError(): MsgtransError {
    const c = this.#closedWith
    return new MsgtransError(ErrorCode.closed, `connection closed${c ? ` (${c.code}${c.reason ? `: ${c.reason}` : ''})` : ''}`)
  }
}
