/** msgtrans v1 wire constants (DESIGN.md "Wire format"). */

/** Size of the fixed header that starts every packet. */
export const HEADER_SIZE = 16
/** The only protocol version this codec speaks. */
export const VERSION = 1

/** Payload compression codes. Note: 1 is zstd, 2 is zlib (RFC 1950). */
export const Compression = { none: 0, zstd: 1, zlib: 2 } as const
export type Compression = (typeof Compression)[keyof typeof Compression]

/** Packet type codes. */
export const PacketType = { oneWay: 0, request: 1, response: 2 } as const
export type PacketType = (typeof PacketType)[keyof typeof PacketType]

/** Header flag bits; unknown bits are carried through and ignored. */
export const Flags = { fragmented: 0x1, highPriority: 0x2, routeTag: 0x4 } as const

/** Largest message id; senders wrap from here back to 1. */
export const MAX_MESSAGE_ID = 0xffff_ffff
/** Largest ext header the u16 length field can describe. */
export const MAX_EXT_HEADER_FIELD = 0xffff

/** Default limits, enforced from the header before any allocation. */
export const DEFAULT_LIMITS = {
  maxPayload: 16 * 1024 * 1024,
  maxExtHeader: 4 * 1024,
  maxDecompressed: 16 * 1024 * 1024,
} as const

/** Limits a decoder enforces. */
export interface Limits {
  /** Largest payload_len accepted (bytes on the wire). */
  maxPayload: number
  /** Largest ext_header_len accepted. */
  maxExtHeader: number
  /** Largest payload after decompression. */
  maxDecompressed: number
}
