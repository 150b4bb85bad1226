import {
  decompressPayload,
  encodeBody,
  Compression,
  compressPayload,
  ErrorCode,
  MsgtransError,
  PacketType,
  ProtocolError,
  routeName,
  isInternedExt,
  jsonCodec,
  claimLease,
  ownPayload,
  type BufferOwner,
  type Packet,
} from '../protocol/index.ts'
import { writePacket } from '../transport/index.ts'
import { then, type MaybePromise } from './maybe-async.ts'
import { replyError } from './reply.ts'
import { formatIssues, type StandardResult, type StandardSchemaV1 } from './schema.ts'
import type { Session } from './session.ts'
import type { AppState, RouteEntry } from './state.ts'

/** What dispatch needs from the running server. */
export interface Runtime {
  state: AppState
  maxDecompressed: number
  exposeErrors: boolean
  /** Base context (session, publish, store, decorators) for a session. */
  baseContext(session: Session): Record<string, unknown>
  /** A handler's context: the base fields plus body, packet and route. */
  handlerContext(session: Session, body: unknown, packet: Packet, route: string): Record<string, unknown>
  /** Built-in routes ($subscribe, ...); returns undefined when the name is not built in. */
  builtin(name: string, session: Session, body: unknown): MaybePromise<unknown> | undefined
  reportError(session: Session, error: Error, code: string, packet?: Packet, route?: string): void
  /** Async handlers in flight, with deadlines; an expired packet's result is dropped. */
  inflight?: {
    track(session: Session, packet: Packet, work: Promise<unknown>): void
    expired(packet: Packet): boolean
  }
}

/**
 * Handles one inbound packet of a session: responses settle pending requests; others
 * are routed by name (ext `route:<name>`) or biz_type, decoded, validated and handed
 * to the handler. Failures answer requests with an error envelope and one-way packets
 * with an error notice carrying the same id; they never throw.
 */
export function dispatchPacket(rt: Runtime, session: Session, packet: Packet): void {
  if (packet.type === PacketType.response) {
    if (!session.pending.settle(packet)) {
      rt.reportError(session, new Error(`response ${packet.id} matches no request`), 'E_UNMATCHED', packet)
    }
    return
  }
  if (rt.state.onMessage.length > 0 && !runOnMessage(rt, session, packet)) return
  const { name, route } = resolveRoute(rt.state, packet)
  // A packet in lent receive memory gives it back once the handler is done when the
  // route does not hand the bytes themselves to user code (see RouteEntry.lends); a
  // route that keeps them may get its own copy first (ownPayload).
  const lease = route ? (route.lends ? claimLease(packet.payload) : ownPayload(packet)) : null
  let settled = true
  // Hot path note: nothing here is captured by a closure (closures live in the helpers
  // below), so a call allocates no scope object.
  try {
    if (!route) return handleUnrouted(rt, session, packet, name)
    const body = decodeBody(rt, route.codec, packet)
    let out: unknown
    if (route.body) {
      const valid = validate(route.body, body, ErrorCode.validation)
      out = valid instanceof Promise ? handleLater(rt, session, packet, route, valid) : runHandler(rt, session, packet, route, valid)
    } else out = runHandler(rt, session, packet, route, body)
    if (out instanceof Promise) {
      settled = false
      trackAsync(rt, session, packet, route, out, lease)
    }
  } catch (err) {
    fail(rt, session, packet, err, route?.name ?? name)
  } finally {
    if (settled) lease?.release()
  }
}

// The last route tag resolved, by the identity of its interned ext bytes (see
// internedExt): consecutive packets usually carry the same one, and a hit skips two map
// lookups. Routes are only ever added, so their count tells when the entry is stale.
const last = {
  state: null as AppState | null,
  ext: null as Uint8Array | null,
  routes: 0,
  name: undefined as string | undefined,
  route: undefined as RouteEntry | undefined,
}

function resolveRoute(state: AppState, packet: Packet): { name: string | undefined; route: RouteEntry | undefined } {
  if (last.ext === packet.ext && last.state === state && last.routes === state.routes.size) return last
  const name = routeName(packet.ext, packet.flags)
  const route = name !== undefined ? state.routes.get(name) : state.byBiz.get(packet.biz)
  if (name === undefined || !isInternedExt(packet.ext)) return { name, route }
  last.state = state
  last.ext = packet.ext
  last.routes = state.routes.size
  last.name = name
  last.route = route
  return last
}

function runOnMessage(rt: Runtime, session: Session, packet: Packet): boolean {
  for (const hook of rt.state.onMessage) if (hook({ session, packet }) === false) return false
  return true
}

function handleLater(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, valid: Promise<unknown>) {
  return valid.then((v) => runHandler(rt, session, packet, route, v))
}

// An async handler: failures answer like sync ones; the lease goes back when it settles.
function trackAsync(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, out: Promise<unknown>, lease: BufferOwner | null) {
  const done = out.catch((err) => fail(rt, session, packet, err, route.name))
  track(rt, session, packet, lease ? done.finally(() => lease.release()) : done)
}

function handleUnrouted(rt: Runtime, session: Session, packet: Packet, name: string | undefined) {
  if (name?.startsWith('$')) {
    const body = decodeBody(rt, undefined, packet)
    const out = rt.builtin(name, session, body)
    if (out !== undefined) {
      const done = then(out, (result) => respond(rt, session, packet, undefined, result))
      if (done instanceof Promise) track(rt, session, packet, done.catch((err) => fail(rt, session, packet, err, name)))
      return
    }
  }
  const what = name !== undefined ? `route "${name}"` : `biz_type ${packet.biz}`
  throw new MsgtransError(ErrorCode.notFound, `no handler for ${what}`)
}

function runHandler(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, body: unknown) {
  const ctx = rt.handlerContext(session, body, packet, route.name)
  const { derives, beforeHandle } = rt.state
  // Fast path: no derive and no beforeHandle hooks means no closures per message.
  if (derives.length === 0 && beforeHandle.length === 0 && route.beforeHandle.length === 0) {
    return finish(rt, session, packet, route, route.handler(ctx))
  }
  return runHooked(rt, session, packet, route, ctx)
}

function runHooked(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, ctx: Record<string, unknown>) {
  const { derives, beforeHandle } = rt.state
  return then(runDerives(derives, ctx, 0), () => {
    const hooks = route.beforeHandle.length ? [...beforeHandle, ...route.beforeHandle] : beforeHandle
    return then(runBefore(hooks, ctx, 0), (value) =>
      finish(rt, session, packet, route, value !== undefined ? value : route.handler(ctx)),
    )
  })
}

function finish(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, result: unknown) {
  if (route.kind === 'message' || packet.type !== PacketType.request) return result
  if (result instanceof Promise) return answerLater(rt, session, packet, route, result)
  return answer(rt, session, packet, route, result)
}

function answerLater(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, result: Promise<unknown>) {
  return result.then((r) => answer(rt, session, packet, route, r))
}

// Validates a request's result and responds; no closures when the schema is synchronous.
function answer(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, result: unknown) {
  const valid = validate(route.response, result, ErrorCode.badResponse)
  if (valid instanceof Promise) return respondLater(rt, session, packet, route, valid)
  respond(rt, session, packet, route, valid)
}

function respondLater(rt: Runtime, session: Session, packet: Packet, route: RouteEntry, valid: Promise<unknown>) {
  return valid.then((v) => respond(rt, session, packet, route, v))
}

function runDerives(derives: AppState['derives'], ctx: Record<string, unknown>, i: number): MaybePromise<void> {
  for (; i < derives.length; i++) {
    const out = derives[i]!(ctx)
    if (out instanceof Promise) {
      const next = i + 1
      return out.then((v) => {
        Object.assign(ctx, v)
        return runDerives(derives, ctx, next)
      })
    }
    Object.assign(ctx, out)
  }
}

function runBefore(hooks: Array<(c: any) => unknown>, ctx: unknown, i: number): MaybePromise<unknown> {
  for (; i < hooks.length; i++) {
    const out = hooks[i]!(ctx)
    if (out instanceof Promise) {
      const next = i + 1
      return out.then((v) => (v !== undefined ? v : runBefore(hooks, ctx, next)))
    }
    if (out !== undefined) return out
  }
  return undefined
}

function decodeBody(rt: Runtime, codec: RouteEntry['codec'] | undefined, packet: Packet): unknown {
  let payload = packet.payload
  if (packet.compression !== Compression.none) {
    try {
      payload = decompressPayload(payload, packet.compression, rt.maxDecompressed)
    } catch (err) {
      const e = err as ProtocolError
      throw new MsgtransError(ErrorCode.decompress, e.message, e.code)
    }
  }
  try {
    return (codec ?? jsonCodec).decode(payload)
  } catch (err) {
    throw new MsgtransError(ErrorCode.badJson, `payload does not decode: ${(err as Error).message}`)
  }
}

function validate(schema: StandardSchemaV1 | undefined, value: unknown, code: string): MaybePromise<unknown> {
  if (!schema) return value
  const r = schema['~standard'].validate(value)
  return r instanceof Promise ? checkLater(r, code) : checked(r, code)
}

function checkLater(r: Promise<StandardResult<unknown>>, code: string): Promise<unknown> {
  return r.then((x) => checked(x, code))
}

function checked(r: StandardResult<unknown>, code: string): unknown {
  if (r.issues) throw new MsgtransError(code, formatIssues(r.issues), r.issues)
  return r.value
}

function track(rt: Runtime, session: Session, packet: Packet, work: Promise<unknown>): void {
  if (rt.inflight) rt.inflight.track(session, packet, work)
}

function respond(rt: Runtime, session: Session, req: Packet, route: RouteEntry | undefined, result: unknown): void {
  if (req.type !== PacketType.request || rt.inflight?.expired(req)) return
  let payload = encodeBody(result, route?.codec ?? jsonCodec)
  const compression = route?.compression ? Compression[route.compression] : Compression.none
  if (compression !== Compression.none) payload = compressPayload(payload, compression)
  writePacket(session.connection, PacketType.response, req.biz, req.id, 0, compression, undefined, payload)
}


function fail(rt: Runtime, session: Session, packet: Packet, err: unknown, route?: string): void {
  const error = err instanceof Error ? err : new Error(String(err))
  const known = error instanceof MsgtransError
  const code = known ? error.code : ErrorCode.handler
  const message = known || rt.exposeErrors ? error.message : 'internal error'
  rt.reportError(session, error, code, packet, route)
  if (session.closed || rt.inflight?.expired(packet)) return
  replyError(session, packet, code, message, known && code === ErrorCode.validation ? error.details : undefined)
}
