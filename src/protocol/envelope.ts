/**
 * Application conventions on top of v1 that client and server share: the error
 * envelope (a response whose ext header is `error` and whose payload is JSON
 * `{ code, message, details? }`) and the stable error codes.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Ext header marking a response (or one-way notice) as an error envelope. */
export const ERROR_EXT: Uint8Array = encoder.encode('error')

/** Stable error codes in error envelopes and close reasons (README "Error codes"). */
export const ErrorCode = {
  /** The request body failed the route's schema. */
  validation: 'E_VALIDATION',
  /** The payload was not valid JSON for a JSON route. */
  badJson: 'E_BAD_JSON',
  /** No route for the name or biz_type. */
  notFound: 'E_NOT_FOUND',
  /** The handler threw or rejected. */
  handler: 'E_HANDLER',
  /** The handler's result failed the route's response schema. */
  badResponse: 'E_BAD_RESPONSE',
  /** A request got no response within its timeout. */
  timeout: 'E_TIMEOUT',
  /** The connection closed before the response arrived. */
  closed: 'E_CLOSED',
  /** The peer broke the wire format; the connection is closed. */
  protocol: 'E_PROTOCOL',
  /** The payload could not be decompressed or exceeded the decompressed cap. */
  decompress: 'E_DECOMPRESS',
  /** The server is shutting down. */
  shutdown: 'E_SHUTDOWN',
  /** Notice: the server is draining (lame duck); reconnect elsewhere. */
  draining: 'E_DRAINING',
  /** Authentication missing or refused; the connection is closed. */
  unauthorized: 'E_UNAUTHORIZED',
  /** The connection did not authenticate within the deadline. */
  authTimeout: 'E_AUTH_TIMEOUT',
  /** Authenticated, but not allowed to use this route or topic. */
  forbidden: 'E_FORBIDDEN',
  /** Too many packets for the session's or route's token bucket. */
  rateLimited: 'E_RATE_LIMITED',
  /** A limit on connections or in-flight requests was reached; retry later. */
  overloaded: 'E_OVERLOADED',
  /** The session holds the maximum number of subscriptions. */
  tooManySubscriptions: 'E_TOO_MANY_SUBSCRIPTIONS',
  /** Too many requests awaiting responses on one connection. */
  tooManyPending: 'E_TOO_MANY_PENDING',
  /** Close reason: outbound queue over its bound (the peer reads too slowly). */
  slowConsumer: 'E_SLOW_CONSUMER',
  /** Close reason: nothing received within the idle timeout. */
  idle: 'E_IDLE',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Body of an error envelope. */
export interface ErrorBody {
  code: string
  message: string
  details?: unknown
}

/** True when an ext header is the error marker. */
export function isErrorExt(ext: Uint8Array): boolean {
  if (ext.length !== ERROR_EXT.length) return false
  for (let i = 0; i < ext.length; i++) if (ext[i] !== ERROR_EXT[i]) return false
  return true
}

/**
 * Encodes an error envelope payload.
 *
 * @example
 * encodeErrorBody({ code: 'E_VALIDATION', message: 'text: too long' })
 */
export function encodeErrorBody(body: ErrorBody): Uint8Array {
  return encoder.encode(JSON.stringify(body))
}

/** Decodes an error envelope payload; malformed envelopes become E_PROTOCOL. */
export function decodeErrorBody(payload: Uint8Array): ErrorBody {
  try {
    const v = JSON.parse(decoder.decode(payload)) as Partial<ErrorBody>
    if (typeof v.code === 'string' && typeof v.message === 'string') return v as ErrorBody
  } catch {}
  return { code: ErrorCode.protocol, message: 'malformed error envelope' }
}

/**
 * An error carrying a stable code, raised to callers of request() and usable by
 * handlers to answer with a specific code.
 *
 * @example
 * throw new MsgtransError('E_FORBIDDEN', 'not your room')
 */
export class MsgtransError extends Error {
  override readonly name = 'MsgtransError'
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}
