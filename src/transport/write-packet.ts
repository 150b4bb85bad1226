import {
  encodeHeadInto,
  encodeParts,
  encodePartsInto,
  HEADER_SIZE,
  IN_PLACE_MIN_PAYLOAD,
  leaseOf,
  takeInPlace,
  type SendResult,
} from '../protocol/index.ts'

import type { Connection } from './types.ts'

/**
 * Payloads at least this big are written beside their header instead of joined to it
 * (measured with bench/e2e.ts: joining wins at 64 KiB, writing apart wins at 1 MiB).
 */
const LARGE_PAYLOAD = 256 * 1024

/**
 * Encodes a packet and writes it to a connection. When the connection offers space in
 * its outbound batch, the packet is encoded straight into it: no allocation and one
 * copy of the payload (into the batch; the kernel copy is the socket write). Bigger
 * packets go into a pooled buffer when the connection has a pool.
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
  if (payload.length >= IN_PLACE_MIN_PAYLOAD) {
    // A big received payload sent on: the new header goes over its old one (in-place.ts).
    const slot = takeInPlace(payload, size - payload.length)
    if (slot) {
      encodeHeadInto(slot.bytes, slot.start, type, biz, id, flags, compression, ext, payload.length)
      return conn.write(slot.bytes.subarray(slot.start, slot.start + size), slot.owner)
    }
  }
  if (payload.length >= LARGE_PAYLOAD && conn.writeParts) {
    // Big payloads are not copied into a packet buffer: header and payload go out in order.
    const head = new Uint8Array(size - payload.length)
    encodeHeadInto(head, 0, type, biz, id, flags, compression, ext, payload.length)
    // A lent receive buffer (a borrowed body echoed back) stays alive while queued.
    return conn.writeParts(head, payload, leaseOf(payload))
  }
  const slot = conn.reserve?.(size)
  if (slot) {
    encodePartsInto(slot.bytes, slot.offset, type, biz, id, flags, compression, ext, payload)
    return conn.commitReserved!(size)
  }
  // Too big for the batch (or the socket has a backlog): a pooled buffer of the right
  // tier, which a write queue keeps by reference until the bytes are written.
  const lease = conn.buffers?.acquire(size)
  if (!lease) return conn.write(encodeParts(type, biz, id, flags, compression, ext, payload))
  try {
    encodePartsInto(lease.bytes, 0, type, biz, id, flags, compression, ext, payload)
    return conn.write(lease.bytes.subarray(0, size), lease)
  } finally {
    lease.release()
  }
}
