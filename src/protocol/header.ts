import { Compression, HEADER_SIZE, PacketType, VERSION, type Limits } from './constants.ts'
import { ProtocolError } from './errors.ts'

/** The decoded 16-byte fixed header. */
export interface Header {
  compression: number
  type: number
  biz: number
  id: number
  extLen: number
  payloadLen: number
  flags: number
}

/**
 * Reads and validates a fixed header at `offset` (16 bytes must be available).
 * Version, packet type, compression and the limits are checked here, before any
 * allocation for the body.
 *
 * @example
 * const h = readHeader(bytes, 0, DEFAULT_LIMITS)
 * const total = HEADER_SIZE + h.extLen + h.payloadLen
 */
export function readHeader(buf: Uint8Array, offset: number, limits: Limits): Header {
  const version = buf[offset]!
  if (version !== VERSION) throw new ProtocolError('E_BAD_VERSION', `unsupported version ${version}`)
  const compression = buf[offset + 1]!
  if (compression > Compression.zlib) {
    throw new ProtocolError('E_BAD_COMPRESSION', `unknown compression ${compression}`)
  }
  const type = buf[offset + 2]!
  if (type > PacketType.response) throw new ProtocolError('E_BAD_TYPE', `unknown packet type ${type}`)
  const extLen = (buf[offset + 8]! << 8) | buf[offset + 9]!
  const payloadLen = readU32(buf, offset + 10)
  if (extLen > limits.maxExtHeader) {
    throw new ProtocolError('E_EXT_TOO_LARGE', `ext header ${extLen} > limit ${limits.maxExtHeader}`)
  }
  if (payloadLen > limits.maxPayload) {
    throw new ProtocolError('E_PAYLOAD_TOO_LARGE', `payload ${payloadLen} > limit ${limits.maxPayload}`)
  }
  return {
    compression,
    type,
    biz: buf[offset + 3]!,
    id: readU32(buf, offset + 4),
    extLen,
    payloadLen,
    flags: (buf[offset + 14]! << 8) | buf[offset + 15]!,
  }
}

/**
 * Validates the header at `offset` like readHeader and returns the packet's total size,
 * without building a Header object (the framer's hot path).
 */
export function checkedPacketSize(buf: Uint8Array, offset: number, limits: Limits): number {
  const version = buf[offset]!
  const compression = buf[offset + 1]!
  const type = buf[offset + 2]!
  const extLen = (buf[offset + 8]! << 8) | buf[offset + 9]!
  const payloadLen = readU32(buf, offset + 10)
  if (version !== VERSION || compression > Compression.zlib || type > PacketType.response) {
    readHeader(buf, offset, limits) // throws the precise error
  }
  if (extLen > limits.maxExtHeader || payloadLen > limits.maxPayload) readHeader(buf, offset, limits)
  return HEADER_SIZE + extLen + payloadLen
}

/** Writes a fixed header at `offset`; fields must already be in range. */
export function writeHeader(buf: Uint8Array, offset: number, h: Header): void {
  writeFields(buf, offset, h.type, h.compression, h.biz, h.id, h.extLen, h.payloadLen, h.flags)
}

/** writeHeader without a Header object (the send hot path). */
export function writeFields(
  buf: Uint8Array,
  offset: number,
  type: number,
  compression: number,
  biz: number,
  id: number,
  extLen: number,
  payloadLen: number,
  flags: number,
): void {
  buf[offset] = VERSION
  buf[offset + 1] = compression
  buf[offset + 2] = type
  buf[offset + 3] = biz
  writeU32(buf, offset + 4, id)
  buf[offset + 8] = extLen >>> 8
  buf[offset + 9] = extLen & 0xff
  writeU32(buf, offset + 10, payloadLen)
  buf[offset + 14] = (flags >>> 8) & 0xff
  buf[offset + 15] = flags & 0xff
}

/** Total packet size a header describes. */
export function packetSize(h: Header): number {
  return HEADER_SIZE + h.extLen + h.payloadLen
}

/**
 * Size of the packet whose (already validated) header starts at `offset`: header +
 * ext_header_len (bytes 8..9) + payload_len (bytes 10..13). For walking runs of packets
 * we encoded ourselves; untrusted input goes through checkedPacketSize.
 *
 * @example
 * for (let off = 0; off < run.length; off += packetSizeAt(run, off)) stamp(run, off)
 */
export function packetSizeAt(b: Uint8Array, offset: number): number {
  const ext = (b[offset + 8]! << 8) | b[offset + 9]!
  return HEADER_SIZE + ext + readU32(b, offset + 10)
}

function readU32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) >>> 0) + ((buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!)
}

function writeU32(buf: Uint8Array, o: number, v: number): void {
  buf[o] = v >>> 24
  buf[o + 1] = (v >>> 16) & 0xff
  buf[o + 2] = (v >>> 8) & 0xff
  buf[o + 3] = v & 0xff
}
