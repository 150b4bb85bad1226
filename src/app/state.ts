import type { CodecOption, PayloadCodec } from '../protocol/index.ts'
import type { StandardSchemaV1 } from './schema.ts'

/** One registered route. */
export interface RouteEntry {
  name: string
  kind: 'message' | 'request'
  biz: number | undefined
  body: StandardSchemaV1 | undefined
  response: StandardSchemaV1 | undefined
  codec: PayloadCodec<any>
  codecOption: CodecOption | undefined
  compression: 'zlib' | 'zstd' | undefined
  handler: (ctx: any) => unknown
  beforeHandle: Array<(ctx: any) => unknown>
  /**
   * The packet's bytes may be reused once the handler is done: JSON bodies are copies,
   * and raw routes opt in with `borrow: true`.
   */
  lends: boolean
}

/** Declared server→client push. */
export interface PushEntry {
  name: string
  biz: number | undefined
  body: StandardSchemaV1 | undefined
}

type Hook = (ctx: any) => unknown

/** Everything a builder chain accumulates; shared by groups of one app. */
export interface AppState {
  routes: Map<string, RouteEntry>
  byBiz: Map<number, RouteEntry>
  pushes: Map<string, PushEntry>
  decorators: Record<string, unknown>
  store: Record<string, unknown>
  derives: Hook[]
  onOpen: Hook[]
  onClose: Hook[]
  onError: Hook[]
  onMessage: Hook[]
  beforeHandle: Hook[]
  /** Serves non-upgrade HTTP requests on the WebSocket port (set by src/http). */
  http?: HttpHandler
}

/** Handles an HTTP request that is not a WebSocket upgrade. */
export type HttpHandler = (req: Request) => Response | Promise<Response>

export function emptyState(): AppState {
  return {
    routes: new Map(),
    byBiz: new Map(),
    pushes: new Map(),
    decorators: {},
    store: {},
    derives: [],
    onOpen: [],
    onClose: [],
    onError: [],
    onMessage: [],
    beforeHandle: [],
  }
}

/** Adds a route, refusing duplicate names and biz_types. */
export function addRoute(state: AppState, entry: RouteEntry): void {
  if (state.routes.has(entry.name)) throw new Error(`msgtrans: route "${entry.name}" is defined twice`)
  if (entry.biz !== undefined) {
    if (!Number.isInteger(entry.biz) || entry.biz < 0 || entry.biz > 255) {
      throw new RangeError(`msgtrans: route "${entry.name}" biz ${entry.biz} is outside 0..255`)
    }
    const other = state.byBiz.get(entry.biz)
    if (other) throw new Error(`msgtrans: biz ${entry.biz} used by "${other.name}" and "${entry.name}"`)
    state.byBiz.set(entry.biz, entry)
  }
  state.routes.set(entry.name, entry)
}

/** Merges a plugin's state into an app's. */
export function mergeState(into: AppState, from: AppState): void {
  for (const r of from.routes.values()) addRoute(into, r)
  for (const p of from.pushes.values()) into.pushes.set(p.name, p)
  Object.assign(into.decorators, from.decorators)
  Object.assign(into.store, from.store)
  into.derives.push(...from.derives)
  into.onOpen.push(...from.onOpen)
  into.onClose.push(...from.onClose)
  into.onError.push(...from.onError)
  into.onMessage.push(...from.onMessage)
  into.beforeHandle.push(...from.beforeHandle)
  into.http ??= from.http
}
