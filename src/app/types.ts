import type { CodecOption, Packet, SendOptions, SendResult, Target } from '../protocol/index.ts'
import type { PublishResult } from './pubsub.ts'
import type { InferInput, InferOutput, StandardSchemaV1 } from './schema.ts'
import type { MaybePromise } from './maybe-async.ts'
import type { Session } from './session.ts'

/** Type-level record of one route, read by the typed client. */
export interface RouteSpec<K extends 'message' | 'request' = 'message' | 'request', B = unknown, R = unknown> {
  kind: K
  /** What a client sends. */
  body: B
  /** What a client receives (requests). */
  response: R
}

/** Options of a message or request route. */
export interface RouteOptions<B = unknown, R = unknown> {
  /** biz_type that also addresses this route (0-255); the route name always does. */
  biz?: number
  /** Schema validated on the way in (zod or any Standard Schema). */
  body?: B
  /** Schema validated on the way out (requests). */
  response?: R
  /** Payload codec: JSON by default; 'raw' hands the handler a zero-copy Uint8Array. */
  codec?: CodecOption
  /** Compression applied to responses of this route. */
  compression?: 'zlib' | 'zstd'
  /**
   * Raw routes: the body is *lent* for the handler's duration (until its promise
   * settles) instead of owned, so big packets that span socket reads are collected
   * into reused buffers instead of a fresh allocation each. After the handler the view
   * is detached (length 0, never another packet's bytes): `body.slice()` to keep it.
   * Sending it (session.send, publish, return) during the handler is safe.
   *
   * @example
   * app.message('blob', { codec: 'raw', borrow: true }, ({ body, session }) => {
   *   session.send('blob', body) // copied or queued by reference before the lease ends
   * })
   */
  borrow?: boolean
}

/** Options of a declared server→client push. */
export interface PushOptions<B = unknown> {
  biz?: number
  body?: B
}

/** Body type a handler sees for route options O. */
export type HandlerBody<O> = O extends { body: infer S extends StandardSchemaV1 }
  ? InferOutput<S>
  : O extends { codec: 'raw' }
    ? Uint8Array
    : unknown

/** Body type a client sends for route options O. */
export type ClientBody<O> = O extends { body: infer S extends StandardSchemaV1 }
  ? InferInput<S>
  : O extends { codec: 'raw' }
    ? Uint8Array
    : unknown

/** Response type for route options O and handler result T. */
export type ResponseOf<O, T> = O extends { response: infer S extends StandardSchemaV1 }
  ? InferOutput<S>
  : Awaited<T>

/** Publishes to a topic: one encode, written to every subscriber. */
export type PublishFn<Pushes> = (
  topic: string,
  route: (keyof Pushes & string) | Target,
  body?: unknown,
  opts?: SendOptions & { except?: Session },
) => PublishResult

/** What every handler and hook receives. */
export interface BaseContext<Pushes = {}> {
  session: Session
  publish: PublishFn<Pushes>
  /** Shared mutable state from `.state()`. */
  store: Record<string, unknown>
}

/** Context of a route handler. */
export type HandlerContext<Ctx, O, Pushes> = Ctx & BaseContext<Pushes> & {
  body: HandlerBody<O>
  packet: Packet
  route: string
}

/** A route handler. */
export type Handler<Ctx, O, Pushes, R = unknown> = (ctx: HandlerContext<Ctx, O, Pushes>) => R

/** Context of onOpen hooks. */
export type OpenContext<Ctx, Pushes> = Ctx & BaseContext<Pushes>

/** Context of onClose hooks. */
export type CloseContext<Ctx, Pushes> = Ctx & BaseContext<Pushes> & { code: number; reason: string }

/** Context of onError hooks. */
export type ErrorContext<Ctx, Pushes> = Ctx &
  BaseContext<Pushes> & { error: Error; code: string; packet?: Packet; route?: string }

/** Hook that may answer instead of the handler by returning a value. */
export type BeforeHandle<Ctx, Pushes> = (ctx: HandlerContext<Ctx, unknown, Pushes>) => MaybePromise<unknown>

export type { SendResult }

/** A session addressed by id, on this worker or another (see `app.session(id)`). */
export interface SessionRef {
  readonly id: number
  /** Worker owning it when the handle was made (-1: no live session). */
  readonly owner: number
  send(target: Target, body?: unknown, opts?: SendOptions): SendResult
  request<T = unknown>(target: Target, body?: unknown, opts?: SendOptions): Promise<T>
  close(code?: number, reason?: string): boolean
}

/** A `primary()` hook: runs once in the primary thread before the workers start. */
export type PrimaryHook = (info: { workers: number }) => unknown
