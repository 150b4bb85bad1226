import type { RouteSpec } from '../app/types.ts'
import type { Packet } from '../protocol/index.ts'

/** A push or request handler's key: a route name or a biz_type. */
export type HandlerKey = string | number
/** Called with a push's decoded body and its packet. */
export type PushHandler = (body: any, packet: Packet) => void
/** Answers a server request: its result (or a promise of it) is the response body. */
export type RequestHandler = (body: any, packet: Packet) => unknown

/** Anything with the type-only `~types` record of a Msgtrans app. */
export interface AppLike {
  readonly '~types': { routes: Record<string, RouteSpec>; pushes: Record<string, unknown> }
}

/** Routes of an app type (or any string route when untyped). */
export type RoutesOf<App> = App extends AppLike ? App['~types']['routes'] : Record<string, RouteSpec>
/** Pushes of an app type. */
export type PushesOf<App> = App extends AppLike ? App['~types']['pushes'] : Record<string, unknown>

/** Names of one-way routes. */
export type MessageRoutes<App> = {
  [K in keyof RoutesOf<App>]: RoutesOf<App>[K]['kind'] extends 'message' ? K : never
}[keyof RoutesOf<App>] &
  string

/** Names of request routes. */
export type RequestRoutes<App> = {
  [K in keyof RoutesOf<App>]: RoutesOf<App>[K]['kind'] extends 'request' ? K : never
}[keyof RoutesOf<App>] &
  string

/** True when `App` carries route types (`connect<typeof app>`), false for an untyped client. */
export type IsTyped<App> = App extends AppLike ? true : false

/** Names of declared pushes; any string while the app declares none (or is untyped). */
export type PushNames<App> = [keyof PushesOf<App> & string] extends [never]
  ? string
  : keyof PushesOf<App> & string

/** Body of a push by name (`unknown` for undeclared ones). */
export type PushBody<App, K> = K extends keyof PushesOf<App> ? PushesOf<App>[K] : unknown

/**
 * Arguments after the route name: the body is required when the route has a typed body,
 * optional when it takes anything (no schema) or nothing.
 */
export type BodyArgs<B, O> = unknown extends B
  ? [body?: B, opts?: O]
  : [B] extends [undefined | void]
    ? [body?: B, opts?: O]
    : [body: B, opts?: O]

/** Targets besides route names: a typed client accepts only raw `{ biz, ext }` targets there. */
export type RawTarget<App> = App extends AppLike
  ? { biz: number; ext?: Uint8Array | string; route?: never }
  : string | { route?: string; biz?: number; ext?: Uint8Array | string }

/** Body a client sends to route K. */
export type BodyOf<App, K> = K extends keyof RoutesOf<App> ? RoutesOf<App>[K]['body'] : unknown
/** Response a client receives from request route K. */
export type ResponseOfRoute<App, K> = K extends keyof RoutesOf<App> ? RoutesOf<App>[K]['response'] : unknown
