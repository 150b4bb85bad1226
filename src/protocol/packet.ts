import {
  Compression,
  DEFAULT_LIMITS,
  Flags,
  HEADER_SIZE,
  MAX_EXT_HEADER_FIELD,
  MAX_MESSAGE_ID,
  PacketType,
  type Limits,
} from './constants.ts'
import { allocUninit } from './alloc.ts'
import { ProtocolError } from './errors.ts'
import { internedExt } from './route.ts'
import { checkedPacketSize, writeFields, type Header } from './header.ts'

const EMPTY = new Uint8Array(0)

/** A decoded packet. `ext` and `payload` are views into the bytes it was decoded from. */
export interface Packet {
  type: number
  biz: number
  id: number
  flags: number
  compression: number
  ext: Uint8Array
  payload: Uint8Array
}

/** Fields for encoding; everything defaults to 0 / empty. */
export interface PacketInit {
  type?: number
  biz?: number
  id?: number
  flags?: number
  compression?: number
  ext?: Uint8Array
  payload?: Uint8Array
}

/** Encoded size of a packet. */
export function encodedSize(p: PacketInit): number {
  return HEADER_SIZE + (p.ext?.length ?? 0) + (p.payload?.length ?? 0)
}

/**
 * Encodes a packet into a new buffer. Compression is not applied here: `compression`
 * describes a payload that is already compressed (see compressPayload).
 *
 * @example
 * encodePacket({ type: PacketType.request, biz: 10, id: 100, payload: utf8('ping') })
 * // 01 00 01 0a 00000064 0000 00000004 0000 70696e67
 */
export function encodePacket(p: PacketInit): Uint8Array {
  const out = allocUninit(encodedSize(p))
  encodePacketInto(out, 0, p)
  return out
}

/**
 * Encodes a packet from its fields without building an options object (the send hot
 * path). Same checks and bytes as encodePacket.
 */
export function encodeParts(
  type: number,
  biz: number,
  id: number,
  flags: number,
  compression: number,
  ext: Uint8Array | undefined,
  payload: Uint8Array,
): Uint8Array {
  const out = allocUninit(HEADER_SIZE + (ext?.length ?? 0) + payload.length)
  encodePartsInto(out, 0, type, biz, id, flags, compression, ext, payload)
  return out
}

/** encodeParts into `dst` at `offset` (which must have room); returns bytes written. */
export function encodePartsInto(
  dst: Uint8Array,
  offset: number,
  type: number,
  biz: number,
  id: number,
  flags: number,
  compression: number,
  ext: Uint8Array | undefined,
  payload: Uint8Array,
): number {
  const head = encodeHeadInto(dst, offset, type, biz, id, flags, compression, ext, payload.length)
  dst.set(payload, offset + head)
  return head + payload.length
}

/**
 * The header and ext of a packet whose `payloadLen` payload bytes follow them or are
 * written elsewhere (in place, or beside the header); same checks as encodeParts.
 * Returns the bytes written (16 + ext length).
 *
 * @example
 * const head = encodeHeadInto(slot, 0, PacketType.oneWay, 0, id, 4, 0, routeExt('echo'), payload.length)
 */
export function encodeHeadInto(
  dst: Uint8Array,
  offset: number,
  type: number,
  biz: number,
  id: number,
  flags: number,
  compression: number,
  ext: Uint8Array | undefined,
  payloadLen: number,
): number {
  const extLen = ext?.length ?? 0
  checkRange('type', type, PacketType.response)
  checkRange('compression', compression, Compression.zlib)
  checkRange('biz', biz, 0xff)
  checkRange('id', id, MAX_MESSAGE_ID)
  checkRange('flags', flags, 0xffff)
  checkRange('ext header length', extLen, MAX_EXT_HEADER_FIELD)
  checkRange('payload length', payloadLen, MAX_MESSAGE_ID)
  writeFields(dst, offset, type, compression, biz, id, extLen, payloadLen, flags)
  if (ext) {
    const at = offset + HEADER_SIZE
    // Route tags are short: a loop beats the native copy's call cost below ~16 bytes.
    if (extLen <= 16) for (let i = 0; i < extLen; i++) dst[at + i] = ext[i]!
    else dst.set(ext, at)
  }
  return HEADER_SIZE + extLen
}

/** Encodes into `dst` at `offset`; returns the number of bytes written. */
export function encodePacketInto(dst: Uint8Array, offset: number, p: PacketInit): number {
  return encodePartsInto(
    dst,
    offset,
    p.type ?? PacketType.oneWay,
    p.biz ?? 0,
    p.id ?? 0,
    p.flags ?? 0,
    p.compression ?? Compression.none,
    p.ext,
    p.payload ?? EMPTY,
  )
}

/**
 * Decodes exactly one packet from `bytes` (a WebSocket frame or a framed TCP slice).
 * The result's ext and payload are views into `bytes`, except those of up to
 * COPY_SMALL_PAYLOAD bytes, which are copies (cheaper than a view of a fresh frame).
 *
 * @example
 * const p = decodePacket(frame)
 * if (p.type === PacketType.request) reply(p.id)
 */
export function decodePacket(bytes: Uint8Array, limits: Limits = DEFAULT_LIMITS): Packet {
  if (bytes.length < HEADER_SIZE) {
    throw new ProtocolError('E_TRUNCATED', `packet of ${bytes.length} bytes is shorter than the header`)
  }
  const total = checkedPacketSize(bytes, 0, limits)
  if (bytes.length < total) {
    throw new ProtocolError('E_TRUNCATED', `header declares ${total} bytes, got ${bytes.length}`)
  }
  if (bytes.length > total) {
    throw new ProtocolError('E_FRAME_MISMATCH', `${bytes.length - total} bytes after the packet`)
  }
  return packetAt(bytes, 0, COPY_SMALL_PAYLOAD)
}

/**
 * Payloads up to this many bytes are copied into an array of their own instead of
 * viewed. The first view of a fresh read buffer (Bun hands out one per socket read or
 * WebSocket frame) makes the engine give it a separate ArrayBuffer: for a small read
 * (up to about 1 KiB, held inside the GC heap) that is a copy of the whole read, 180–320
 * ns; bigger reads are only wrapped, 75–125 ns. A lone 128-byte payload costs 30–40 ns
 * to copy (copyOut). For 16 payloads of 64 B in one read, views cost 651 ns over the
 * read itself and copies 438 ns (bench/codec.bench.ts). At 1 KiB the view wins.
 *
 * @example
 * packetAt(chunk, offset, COPY_SMALL_PAYLOAD) // payloads of up to 128 B are copies
 */
export const COPY_SMALL_PAYLOAD = 128

/**
 * A socket read of at most this many bytes is never viewed: all its payloads are copied
 * (TcpFramer). Its first view would copy the whole read anyway, and the ArrayBuffers such
 * views leave behind measurably lengthen young collections' pauses: on request/response of
 * 1 KiB at 300 k req/s the median pause went from 0.69–0.74 to 0.47–0.50 ms and the GC
 * time from 142–150 to 131–134 ms per run (collections came more often). p99 at 100 k
 * req/s went from 0.71–1.00 to 0.34–0.71 ms in three alternating runs; across two full
 * e2e request/response runs each, the difference was within the noise.
 *
 * @example
 * const copyUpTo = chunk.length <= SMALL_READ ? chunk.length : COPY_SMALL_PAYLOAD
 */
export const SMALL_READ = 4096

/**
 * Builds a Packet of views for a packet whose header at `offset` was validated.
 * Payloads of at most `copyUpTo` bytes are copied instead (see COPY_SMALL_PAYLOAD).
 */
export function packetAt(bytes: Uint8Array, offset: number, copyUpTo = 0): Packet {
  const extLen = (bytes[offset + 8]! << 8) | bytes[offset + 9]!
  const payloadLen = ((bytes[offset + 10]! << 24) >>> 0) + ((bytes[offset + 11]! << 16) | (bytes[offset + 12]! << 8) | bytes[offset + 13]!)
  const flags = (bytes[offset + 14]! << 8) | bytes[offset + 15]!
  if (flags & Flags.fragmented) {
    throw new ProtocolError('E_FRAGMENTED', 'fragmented packets are not part of v1')
  }
  const extStart = offset + HEADER_SIZE
  const payloadStart = extStart + extLen
  return {
    type: bytes[offset + 2]!,
    biz: bytes[offset + 3]!,
    id: ((bytes[offset + 4]! << 24) >>> 0) + ((bytes[offset + 5]! << 16) | (bytes[offset + 6]! << 8) | bytes[offset + 7]!),
    flags,
    compression: bytes[offset + 1]!,
    ext: extLen === 0 ? EMPTY : (internedExt(bytes, extStart, extLen) ?? partAt(bytes, extStart, extLen, copyUpTo)),
    payload: payloadLen === 0 ? EMPTY : partAt(bytes, payloadStart, payloadLen, copyUpTo),
  }
}

// The `n` bytes at `start`: a copy up to `copyUpTo` bytes, else a view.
function partAt(bytes: Uint8Array, start: number, n: number, copyUpTo: number): Uint8Array {
  return n <= copyUpTo ? copyOut(bytes, start, n) : bytes.subarray(start, start + n)
}

// Buffer#copy (Bun and Node) reads its source in place; browsers have no Buffer and take
// a view instead (their reads are not Bun's fresh buffers).
type CopyRange = (this: Uint8Array, target: Uint8Array, at: number, start: number, end: number) => number
const copyRange: CopyRange | undefined = typeof Buffer === 'function' ? Buffer.prototype.copy : undefined

/**
 * `n` bytes of `bytes` from `start`, copied into a new array without making a view of
 * `bytes` (Buffer#copy reads the source in place; it accepts any Uint8Array as `this`).
 *
 * @example
 * copyOut(chunk, 42, 64) // a Uint8Array of its own holding chunk[42..106)
 */
export function copyOut(bytes: Uint8Array, start: number, n: number): Uint8Array {
  const out = new Uint8Array(n)
  if (copyRange) copyRange.call(bytes, out, 0, start, start + n)
  else out.set(bytes.subarray(start, start + n))
  return out
}

/** Builds a Packet of views for a header already validated at `offset`. */
export function packetFromHeader(
  bytes: Uint8Array,
  offset: number,
  h: Header,
): Packet {
  if (h.flags & Flags.fragmented) {
    throw new ProtocolError('E_FRAGMENTED', 'fragmented packets are not part of v1')
  }
  const extStart = offset + HEADER_SIZE
  const payloadStart = extStart + h.extLen
  return {
    type: h.type,
    biz: h.biz,
    id: h.id,
    flags: h.flags,
    compression: h.compression,
    ext: h.extLen === 0 ? EMPTY : (internedExt(bytes, extStart, h.extLen) ?? bytes.subarray(extStart, payloadStart)),
    payload: h.payloadLen === 0 ? EMPTY : bytes.subarray(payloadStart, payloadStart + h.payloadLen),
  }
}

function checkRange(field: string, value: number, max: number): void {
  if (!(value >= 0 && value <= max && value === Math.floor(value))) {
    throw new RangeError(`msgtrans: ${field} ${value} is outside 0..${max}`)
  }
}
