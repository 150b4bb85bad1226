import {
  ErrorCode,
  MsgtransError,
  PacketType,
  routeName,
  type Packet,
} from '../protocol/index.ts'
import { IdleSweeper } from '../transport/idle.ts'
import { CloseCode, type Connection } from '../transport/index.ts'
import { ConnectionLimiter } from './admission.ts'
import { AuthGate } from './auth.ts'
import type { ResolvedConfig } from './config.ts'
import { InflightTracker } from './inflight.ts'
import { then, type MaybePromise } from './maybe-async.ts'
import { RateLimiter } from './rate-limit.ts'
import { closeWithGrace, errorNotice, hardClose, noticeAndClose, replyError } from './reply.ts'
import type { Session } from './session.ts'
import type { AppState } from './state.ts'
import { upgradeGate, type UpgradeGate } from './upgrade.ts'

/**
 * Everything that stands between a socket and a handler: connection limits, auth,
 * heartbeats and idle timeouts, rate limits, authorization, in-flight bounds and
 * handler deadlines. One instance per running server.
 */
export class Guards {
  readonly limiter: ConnectionLimiter
  readonly auth: AuthGate
  readonly rate: RateLimiter
  readonly inflight: InflightTracker<Session>
  readonly idle: IdleSweeper<Session> | undefined
  readonly upgrade: UpgradeGate
  readonly #admitted = new Map<Connection, string>()
  /** Set by drain(): new connections are refused. */
  draining = false

  constructor(
    private readonly config: ResolvedConfig,
    private readonly state: AppState,
  ) {
    this.limiter = new ConnectionLimiter(config.maxConnections, config.maxConnectionsPerIp)
    this.auth = new AuthGate(config.authenticate, config.authTimeout)
    this.rate = new RateLimiter(config.rateLimit)
    const late = `handler did not finish within ${config.handlerTimeout} ms`
    this.inflight = new InflightTracker(config.handlerTimeout, (s, p) =>
      replyError(s, p, ErrorCode.timeout, late),
    )
    this.idle = config.idleTimeout > 0 ? this.#sweeper(config) : undefined
    this.upgrade = upgradeGate(config.allowedOrigins, (ip) => this.limiter.check(ip), (req, ip) =>
      this.auth.upgrade(req, ip),
    )
    this.#plain = !this.idle && !this.auth.enabled && !this.rate.enabled && !config.authorize
  }

  /** No idle timeout, authentication, rate limit or authorize hook: only the in-flight bound applies. */
  readonly #plain: boolean

  /** Counts a new connection; refuses (notice + close) past the connection limits. */
  admit(conn: Connection): boolean {
    const ip = conn.remoteAddress
    const refused = this.draining ? 'server is draining' : this.limiter.admit(ip)
    if (refused) {
      const code = this.draining ? ErrorCode.draining : ErrorCode.overloaded
      this.config.log(`${conn.transport} ${ip}: refused, ${code}: ${refused}`)
      noticeAndClose(conn, CloseCode.tryAgainLater, code, refused)
      return false
    }
    this.#admitted.set(conn, ip)
    return true
  }

  opened(session: Session, identity: unknown): void {
    this.auth.opened(session, identity)
    this.idle?.touch(session)
  }

  closed(conn: Connection, session: Session | undefined): void {
    const ip = this.#admitted.get(conn)
    if (ip !== undefined) {
      this.#admitted.delete(conn)
      this.limiter.release(ip)
    }
    if (!session) return
    this.auth.closed(session)
    this.rate.forget(session)
    this.idle?.delete(session)
  }

  /** Runs the inbound checks; calls `dispatch` when the packet may reach its route. */
  packet(session: Session, packet: Packet, dispatch: (s: Session, p: Packet) => void): void {
    if (this.#plain && this.inflight.count(session) < this.config.maxInflightRequests) {
      return dispatch(session, packet)
    }
    this.idle?.touch(session)
    if (!this.auth.admit(session, packet)) return
    if (packet.type === PacketType.response) return dispatch(session, packet)
    const name = routeName(packet.ext, packet.flags) ?? this.state.byBiz.get(packet.biz)?.name
    const verdict = this.rate.check(session, name)
    if (verdict !== 'ok') {
      const what = name ? ` for ${name}` : ''
      replyError(session, packet, ErrorCode.rateLimited, `rate limit exceeded${what}`)
      const why = `${ErrorCode.rateLimited}: too many limited packets`
      if (verdict === 'close') closeWithGrace(session.connection, CloseCode.policy, why)
      return
    }
    if (this.inflight.count(session) >= this.config.maxInflightRequests) {
      const max = this.config.maxInflightRequests
      return replyError(session, packet, ErrorCode.overloaded, `${max} handlers in flight`)
    }
    const allowed = this.#authorizeRoute(session, packet, name)
    if (allowed === true) return dispatch(session, packet)
    if (allowed === false) return replyError(session, packet, ErrorCode.forbidden, `not allowed: ${name}`)
    this.#authorizeLater(session, packet, name, allowed, dispatch)
  }

  // An async authorize hook (kept apart: its closures would cost every packet a scope).
  #authorizeLater(
    session: Session,
    packet: Packet,
    name: string | undefined,
    allowed: Promise<boolean>,
    dispatch: (s: Session, p: Packet) => void,
  ): void {
    const forbid = (m: string) => replyError(session, packet, ErrorCode.forbidden, m)
    const work = allowed.then(
      (ok) => (ok ? dispatch(session, packet) : forbid(`not allowed: ${name}`)),
      (e) => forbid(String(e?.message ?? e)),
    )
    this.inflight.track(session, packet, work)
  }

  /** Throws E_TOO_MANY_SUBSCRIPTIONS when a new topic would pass the per-session bound. */
  checkSubscribe(session: Session, topic: string): void {
    const max = this.config.maxSubscriptionsPerSession
    if (session.topics.size >= max && !session.topics.has(topic)) {
      const msg = `at most ${max} subscriptions per session`
      throw new MsgtransError(ErrorCode.tooManySubscriptions, msg)
    }
  }

  /** Runs `authorizeTopic` for a client subscription; throws E_FORBIDDEN when refused. */
  authorizeTopic(session: Session, topic: string, action: 'subscribe'): MaybePromise<void> {
    const hook = this.config.authorizeTopic
    if (!hook) return
    return then(hook({ session, auth: session.auth, topic, action }), (ok) => {
      if (!ok) throw new MsgtransError(ErrorCode.forbidden, `not allowed to ${action} to ${topic}`)
    })
  }

  stop(): void {
    this.idle?.stop()
  }

  #authorizeRoute(session: Session, packet: Packet, route: string | undefined): MaybePromise<boolean> {
    const hook = this.config.authorize
    if (!hook || route === undefined || route === '$auth') return true
    try {
      const out = hook({ session, auth: session.auth, route, packet })
      return out instanceof Promise ? out.then(Boolean) : Boolean(out)
    } catch {
      return false
    }
  }

  #sweeper(c: ResolvedConfig): IdleSweeper<Session> {
    const tick = Math.max(5, Math.min(1_000, c.idleTimeout / 4))
    return new IdleSweeper<Session>(c.idleTimeout, tick, (s, quiet) => {
      const reason = `${ErrorCode.idle}: nothing received for ${Math.round(quiet)} ms`
      s.writeEncoded(errorNotice(ErrorCode.idle, reason))
      hardClose(s.connection, CloseCode.goingAway, reason)
    })
  }
}
