import { encodeErrorBody, encodePacket, ERROR_EXT, ErrorCode, type ProtocolError } from '../protocol/index.ts'

/**
 * The one-way error notice sent before a connection is closed for bad input, so a
 * peer sees why (`ext = "error"`, payload `{ code: "E_PROTOCOL", message, details }`).
 */
export function protocolErrorNotice(err: ProtocolError): Uint8Array {
  return encodePacket({
    ext: ERROR_EXT,
    payload: encodeErrorBody({ code: ErrorCode.protocol, message: err.message, details: err.code }),
  })
}
