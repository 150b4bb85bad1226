import {
  encodeErrorBody,
  encodePacket,
  ERROR_EXT,
  jsonCodec,
  PacketType,
  type Packet,
} from '../protocol/index.ts'
import type { Connection } from '../transport/index.ts'
import type { Session } from './session.ts'

/**
 * Answers a packet with an error envelope: a response for a request, a one-way notice
 * with the same id otherwise. Nothing is written to a closed session.
 */
export function replyError(
  session: Session,
  packet: Packet,
  code: string,
  message: string,
  details?: unknown,
): void {
  if (session.closed) return
  session.writeEncoded(
    encodePacket({
      type: packet.type === PacketType.request ? PacketType.response : PacketType.oneWay,
      id: packet.id,
      biz: packet.biz,
      ext: ERROR_EXT,
      payload: encodeErrorBody({ code, message, details }),
    }),
  )
}

/** Answers a request with a JSON value (one-way packets get nothing). */
export function replyJson(session: Session, packet: Packet, value: unknown): void {
  if (session.closed || packet.type !== PacketType.request) return
  session.writeEncoded(
    encodePacket({
      type: PacketType.response,
      id: packet.id,
      biz: packet.biz,
      payload: jsonCodec.encode(value),
    }),
  )
}

/** A one-way error notice (`ext = "error"`), e.g. before a close or as a drain warning. */
export function errorNotice(code: string, message: string, details?: unknown): Uint8Array {
  return encodePacket({ ext: ERROR_EXT, payload: encodeErrorBody({ code, message, details }) })
}

/**
 * Closes now, discarding queued bytes where the transport can (a peer that stopped
 * reading would otherwise hold a graceful close open forever).
 */
export function hardClose(conn: Connection, wsCode: number, reason: string): void {
  const c = conn as Connection & { abort?: (code: number, reason: string) => void }
  if (typeof c.abort === 'function') c.abort(wsCode, reason)
  else conn.close(wsCode, reason)
}

/** Writes an error notice and closes after it is flushed (cut after a grace period). */
export function noticeAndClose(
  conn: Connection,
  wsCode: number,
  code: string,
  message: string,
): void {
  if (conn.closed) return
  conn.write(errorNotice(code, message))
  closeWithGrace(conn, wsCode, `${code}: ${message}`)
}

/** Time a graceful close may wait for a peer to read its last bytes. */
export const CLOSE_GRACE_MS = 1_000

/**
 * Closes after queued bytes are written, but cuts the connection if the peer has not
 * taken them within `graceMs` (a peer that stopped reading would hold it open).
 */
export function closeWithGrace(
  conn: Connection,
  wsCode: number,
  reason: string,
  graceMs = CLOSE_GRACE_MS,
): void {
  conn.close(wsCode, reason)
  const timer = setTimeout(() => hardClose(conn, wsCode, reason), graceMs)
  timer.unref?.()
}
