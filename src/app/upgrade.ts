import { ErrorCode } from '../protocol/index.ts'
import type { MaybePromise } from './maybe-async.ts'

/**
 * True when a WebSocket upgrade's Origin is allowed. Requests without an Origin header
 * (non-browser clients) pass: browsers always send one, so the allow-list is what
 * stops other sites' pages (cross-site WebSocket hijacking).
 *
 * @example
 * originAllowed(['https://app.example.com'], req.headers.get('origin'))
 */
export function originAllowed(
  allowed: readonly string[] | undefined,
  origin: string | null,
): boolean {
  if (!allowed || origin === null) return true
  return allowed.includes('*') || allowed.includes(origin)
}

/** What the WebSocket transport asks before upgrading: a Response refuses. */
export type UpgradeGate = (
  req: Request,
  remoteAddress: string,
) => MaybePromise<Response | { identity?: unknown } | undefined>

/** Checks Origin, then the connection limits, then the optional upgrade-phase auth. */
export function upgradeGate(
  allowedOrigins: readonly string[] | undefined,
  limitCheck: (ip: string) => string | undefined,
  authenticate: UpgradeGate,
): UpgradeGate {
  return (req, ip) => {
    const origin = req.headers.get('origin')
    if (!originAllowed(allowedOrigins, origin)) {
      const body = `${ErrorCode.forbidden}: origin ${origin} is not allowed`
      return new Response(body, { status: 403 })
    }
    const refused = limitCheck(ip)
    if (refused) {
      const headers = { 'Retry-After': '1' }
      return new Response(`${ErrorCode.overloaded}: ${refused}`, { status: 503, headers })
    }
    return authenticate(req, ip)
  }
}
