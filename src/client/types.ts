import type { RouteSpec } from '../app/types.ts'

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
