import { decompressPayload } from './compression.ts'
import { decodeErrorBody, isErrorExt, MsgtransError } from './envelope.ts'
import type { Packet } from './packet.ts'
import { jsonCodec } from './payload.ts'

/**
 * The body of a response packet: throws MsgtransError for an error envelope, otherwise
 * decompresses (bounded by `maxDecompressed`) and decodes JSON, or returns the bytes
 * when `raw`. Shared by the client's and the server's request().
 *
 * @example
 * const value = readResponse(await pending.add(id, 10_000), limits.maxDecompressed)
 */
export function readResponse(packet: Packet, maxDecompressed: number, raw = false): unknown {
  if (isErrorExt(packet.ext)) {
    const e = decodeErrorBody(packet.payload)
    throw new MsgtransError(e.code, e.message, e.details)
  }
  const payload = decompressPayload(packet.payload, packet.compression, maxDecompressed)
  return raw ? payload : jsonCodec.decode(payload)
}
