/** Stable protocol error codes (also used as close reasons). */
export type ProtocolErrorCode =
  | 'E_BAD_VERSION'
  | 'E_BAD_TYPE'
  | 'E_BAD_COMPRESSION'
  | 'E_PAYLOAD_TOO_LARGE'
  | 'E_EXT_TOO_LARGE'
  | 'E_TRUNCATED'
  | 'E_FRAGMENTED'
  | 'E_DECOMPRESS'
  | 'E_DECOMPRESSED_TOO_LARGE'
  | 'E_TEXT_FRAME'
  | 'E_FRAME_MISMATCH'
  | 'E_EXTRA_STREAM'
  | 'E_STREAM_RESET'

/**
 * A violation of the v1 wire format by a peer. It ends that one connection.
 *
 * @example
 * try { decodePacket(bytes) } catch (e) { if (e instanceof ProtocolError) log(e.code) }
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`)
  }
}
