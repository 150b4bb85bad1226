import { compressPayload } from './compression.ts'
import { Compression, Flags } from './constants.ts'
import { encodeParts } from './packet.ts'
import { encodeBody, type PayloadCodec } from './payload.ts'
import { routeExt, ROUTE_FLAGS } from './route.ts'

const encoder = new TextEncoder()

/** Where a server-sent packet goes: a route name, or explicit biz/ext (Rust peers). */
export type Target = string | { route?: string; biz?: number; ext?: Uint8Array | string }

/** Options of an outbound packet. */
export interface SendOptions {
  /** Compress the payload ('zlib' = RFC 1950, 'zstd'). */
  compression?: 'zlib' | 'zstd'
  /** Set the high-priority flag (0x2). */
  priority?: boolean
  /** Request timeout in ms (requests only). */
  timeout?: number
}

/** Fields of an outbound packet before the id is assigned. */
export interface OutboundFields {
  biz: number
  ext: Uint8Array | undefined
  flags: number
  compression: number
  payload: Uint8Array
}

/**
 * Resolves a target + body into wire fields. `bizOf` maps a route name to its
 * declared biz_type (0 when none).
 */
export function outboundFields(
  target: Target,
  body: unknown,
  codec: PayloadCodec<any>,
  opts: SendOptions | undefined,
  bizOf: (route: string) => number,
): OutboundFields {
  const t = typeof target === 'string' ? { route: target } : target
  let ext: Uint8Array | undefined
  let flags = opts?.priority ? Flags.highPriority : 0
  if (t.route !== undefined) {
    ext = routeExt(t.route)
    flags |= ROUTE_FLAGS
  } else if (t.ext !== undefined) {
    ext = typeof t.ext === 'string' ? encoder.encode(t.ext) : t.ext
  }
  const biz = t.biz ?? (t.route !== undefined ? bizOf(t.route) : 0)
  let payload = encodeBody(body, codec)
  const compression = opts?.compression ? Compression[opts.compression] : Compression.none
  if (compression !== Compression.none) payload = compressPayload(payload, compression)
  return { biz, ext, flags, compression, payload }
}

/** Encodes fields with a type and id (one allocation: the packet itself). */
export function encodeOutbound(f: OutboundFields, type: number, id: number): Uint8Array {
  return encodeParts(type, f.biz, id, f.flags, f.compression, f.ext, f.payload)
}
