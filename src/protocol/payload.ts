/** Payload codecs shared by client and server: JSON (default), raw bytes, or custom. */

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const EMPTY = new Uint8Array(0)

/** Turns values into payload bytes and back. */
export interface PayloadCodec<T = unknown> {
  readonly name: string
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** JSON over UTF-8; an empty payload decodes to undefined. */
export const jsonCodec: PayloadCodec = {
  name: 'json',
  encode(value) {
    return value === undefined ? EMPTY : encoder.encode(JSON.stringify(value))
  },
  decode(bytes) {
    return bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes))
  },
}

/** Raw bytes, passed through as views (no copy). Strings are sent as UTF-8. */
export const rawCodec: PayloadCodec<Uint8Array> = {
  name: 'raw',
  encode(input) {
    const value = input as unknown
    if (value instanceof Uint8Array) return value
    if (typeof value === 'string') return encoder.encode(value)
    if (value instanceof ArrayBuffer) return new Uint8Array(value)
    if (value == null) return EMPTY
    throw new TypeError('msgtrans: raw payloads must be Uint8Array, ArrayBuffer or string')
  },
  decode(bytes) {
    return bytes
  },
}

/** A codec given by name or object. */
export type CodecOption = 'json' | 'raw' | PayloadCodec<any>

/**
 * Resolves a codec option.
 *
 * @example
 * codecOf('raw').decode(packet.payload) // Uint8Array view
 */
export function codecOf(option: CodecOption | undefined): PayloadCodec<any> {
  if (option === undefined || option === 'json') return jsonCodec
  if (option === 'raw') return rawCodec
  return option
}

/** Encodes a body: Uint8Array/ArrayBuffer as-is, anything else with `codec`. */
export function encodeBody(body: unknown, codec: PayloadCodec<any>): Uint8Array {
  if (body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  return codec.encode(body)
}
