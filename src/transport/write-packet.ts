import { encodeParts, encodePartsInto, HEADER_SIZE, type SendResult } from '../protocol/index.ts'
import type { Connection } from './types.ts'

/**
 * Encodes a packet and writes it to a connection. When the connection offers space in
 * its outbound batch, the packet is encoded straight into it: no allocation and one
 * copy of the payload (into the batch; the kernel copy is the socket write).
 *
 * @example
 * writePacket(conn, PacketType.oneWay, 0, id, 0, 0, routeExt('echo'), payload)
 */
export function writePacket(
  conn: Connection,
  type: number,
  biz: number,
  id: number,
  flags: number,
  compression: number,
  ext: Uint8Array | undefined,
  payload: Uint8Array,
): SendResult {
  const size = HEADER_SIZE + (ext?.length ?? 0) + payload.length
  const slot = conn.reserve?.(size)
  if (slot) {
    encodePartsInto(slot.bytes, slot.offset, type, biz, id, flags, compression, ext, payload)
    return conn.commitReserved!(size)
  }
  return conn.write(encodeParts(type, biz, id, flags, compression, ext, payload))
}
