import { ErrorCode, MsgtransError, PacketType, routeName, type Packet } from '../protocol/index.ts'
import type { TransportName } from '../transport/index.ts'
import { then, type MaybePromise } from './maybe-async.ts'
import { closeWithGrace, noticeAndClose, replyError, replyJson } from './reply.ts'
import type { Session } from './session.ts'

/** Route of the first-packet handshake: a request whose JSON body is the token. */
export const AUTH_ROUTE = '$auth'

/** What `authenticate` sees: a WebSocket upgrade, or a `$auth` request. */
export interface AuthRequest {
  /** 'upgrade': WebSocket upgrade (headers, url); 'packet': the `$auth` request (token). */
  phase: 'upgrade' | 'packet'
  transport: TransportName
  remoteAddress: string
  headers?: Headers
  url?: string
  /** Decoded JSON body of the `$auth` request. */
  token?: unknown
  session?: Session
}

/**
 * Decides who a peer is. A truthy result is the identity (kept as `session.auth`);
 * `false`/`null` refuses (401 at upgrade, E_UNAUTHORIZED + close on `$auth`); at the
 * upgrade phase `undefined` defers to a `$auth` request. Throwing a MsgtransError
 * refuses with its message.
 */
export type Authenticate = (req: AuthRequest) => MaybePromise<unknown>

/** Upgrade phase outcome: refuse (Response), accept (identity), or defer to `$auth`. */
type UpgradeVerdict = Response | { identity: unknown } | undefined

/**
 * Holds sessions that have not authenticated yet: each has a deadline, and until
 * `$auth` succeeds any other packet closes the session with E_UNAUTHORIZED.
 */
export class AuthGate {
  readonly #waiting = new Map<Session, ReturnType<typeof setTimeout>>()
  readonly #checking = new Set<Session>()

  constructor(
    private readonly authenticate: Authenticate | undefined,
    readonly deadlineMs: number,
  ) {}

  get enabled(): boolean {
    return this.authenticate !== undefined
  }

  /** Sessions still waiting to authenticate (for leak checks). */
  get waiting(): number {
    return this.#waiting.size
  }

  /** A session opened; `identity` comes from an accepted WebSocket upgrade. */
  opened(session: Session, identity: unknown): void {
    if (!this.authenticate) return
    if (identity) return void (session.auth = identity)
    const timer = setTimeout(() => {
      this.#waiting.delete(session)
      const msg = `not authenticated within ${this.deadlineMs} ms`
      noticeAndClose(session.connection, 1008, ErrorCode.authTimeout, msg)
    }, this.deadlineMs)
    this.#waiting.set(session, timer)
  }

  closed(session: Session): void {
    clearTimeout(this.#waiting.get(session))
    this.#waiting.delete(session)
    this.#checking.delete(session)
  }

  /** Runs the handshake; true when the packet may go on to routing. */
  admit(session: Session, packet: Packet): boolean {
    const isAuth =
      packet.type === PacketType.request && routeName(packet.ext, packet.flags) === AUTH_ROUTE
    if (!this.#waiting.has(session)) {
      if (isAuth && this.authenticate) replyJson(session, packet, { ok: true })
      return !isAuth || !this.authenticate
    }
    if (!isAuth || this.#checking.has(session)) {
      this.#refuse(session, packet, 'authenticate first with $auth and wait for its answer')
      return false
    }
    this.#check(session, packet)
    return false
  }

  /** The upgrade phase: a Response refuses, `{ identity }` accepts, undefined defers. */
  upgrade(req: Request, remoteAddress: string): MaybePromise<UpgradeVerdict> {
    if (!this.authenticate) return undefined
    const refuse = (m: string) => new Response(`${ErrorCode.unauthorized}: ${m}`, { status: 401 })
    try {
      const out = this.authenticate({
        phase: 'upgrade',
        transport: 'ws',
        remoteAddress,
        headers: req.headers,
        url: req.url,
      })
      const verdict = (v: unknown): UpgradeVerdict =>
        v === undefined ? undefined : v ? { identity: v } : refuse('refused')
      if (!(out instanceof Promise)) return verdict(out)
      return out.then(verdict, (e) => refuse(String(e?.message ?? e)))
    } catch (e) {
      return refuse(String((e as Error)?.message ?? e))
    }
  }

  #check(session: Session, packet: Packet): void {
    this.#checking.add(session)
    let token: unknown
    try {
      const text = new TextDecoder().decode(packet.payload)
      token = text.length ? JSON.parse(text) : undefined
    } catch {
      return this.#refuse(session, packet, '$auth body is not JSON')
    }
    const req: AuthRequest = {
      phase: 'packet',
      transport: session.transport,
      remoteAddress: session.remoteAddress,
      token,
      session,
    }
    const settle = (identity: unknown) => {
      this.#checking.delete(session)
      if (!this.#waiting.has(session)) return
      if (!identity) return this.#refuse(session, packet, 'credentials refused')
      clearTimeout(this.#waiting.get(session))
      this.#waiting.delete(session)
      session.auth = identity
      replyJson(session, packet, { ok: true })
    }
    const fail = (e: unknown) => {
      this.#checking.delete(session)
      const message = e instanceof MsgtransError ? e.message : String((e as Error)?.message ?? e)
      this.#refuse(session, packet, message)
    }
    try {
      const out = then(this.authenticate!(req), settle)
      if (out instanceof Promise) out.catch(fail)
    } catch (e) {
      fail(e)
    }
  }

  #refuse(session: Session, packet: Packet, message: string): void {
    replyError(session, packet, ErrorCode.unauthorized, message)
    closeWithGrace(session.connection, 1008, `${ErrorCode.unauthorized}: ${message}`)
  }
}
