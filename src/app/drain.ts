import { ErrorCode } from '../protocol/index.ts'
import { CloseCode, type TransportListener } from '../transport/index.ts'
import { errorNotice, hardClose } from './reply.ts'
import type { Session } from './session.ts'

/** What drain() needs from the running server. */
export interface Drainable {
  readonly sessions: ReadonlyMap<number, Session>
  readonly inflight: { count(session: Session): number }
  readonly guards: { draining: boolean; stop(): void }
  readonly listeners: TransportListener[]
  stopListeners(closeActive: boolean): void
}

/** How a drain ended. */
export interface DrainResult {
  /** Sessions open when the drain began. */
  sessions: number
  /** Closed once their in-flight work was done. */
  closedIdle: number
  /** Still busy at the deadline, closed anyway. */
  forced: number
  /** Wall time of the drain, ms. */
  ms: number
}

const REASON = `${ErrorCode.shutdown}: server draining, reconnect elsewhere`

/**
 * Lame-duck shutdown: stop accepting; send every session an E_DRAINING notice (its
 * `details.deadlineMs` says how long the server stays); close each session, after its
 * queued bytes, as soon as no handler of it and no server request to it is in flight;
 * at the deadline cut what is left.
 *
 * @example
 * const r = await app.drain(30_000) // { sessions, closedIdle, forced, ms }
 */
export async function drainServer(server: Drainable, deadlineMs: number): Promise<DrainResult> {
  const start = performance.now()
  const deadline = start + deadlineMs
  server.guards.draining = true
  server.stopListeners(false)
  const sessions = server.sessions.size
  const message = 'server is draining; reconnect elsewhere'
  const notice = errorNotice(ErrorCode.draining, message, { deadlineMs })
  for (const s of server.sessions.values()) s.writeEncoded(notice)
  let closedIdle = 0
  while (server.sessions.size > 0 && performance.now() < deadline) {
    for (const s of server.sessions.values()) {
      if (s.closed || server.inflight.count(s) > 0 || s.pending.size > 0) continue
      s.close(CloseCode.goingAway, REASON)
      closedIdle++
    }
    await tick()
  }
  let forced = 0
  for (const s of server.sessions.values()) {
    forced++
    hardClose(s.connection, CloseCode.goingAway, REASON)
  }
  const settle = performance.now() + 1_000
  while (server.sessions.size > 0 && performance.now() < settle) await tick()
  server.stopListeners(true)
  server.guards.stop()
  return { sessions, closedIdle, forced, ms: Math.round(performance.now() - start) }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 5))
