import type * as Zlib from 'node:zlib'
import { Compression } from './constants.ts'
import { ProtocolError } from './errors.ts'

// node:zlib adds about 0.5 MB to the JS heap once loaded, and every collection walks
// the heap (a bigger heap measurably slowed a GC-heavy 64 KiB echo): it is loaded by
// the first packet that needs it.
let zlibModule: typeof Zlib | undefined
const zlib = (): typeof Zlib => (zlibModule ??= require('node:zlib') as typeof Zlib)

/**
 * Compresses a payload: zlib is RFC 1950 (what the Rust crate's flate2 reads), zstd a
 * standard frame with content size.
 *
 * @example
 * const wire = compressPayload(bytes, Compression.zlib)
 */
export function compressPayload(payload: Uint8Array, code: number): Uint8Array {
  switch (code) {
    case Compression.none:
      return payload
    case Compression.zlib:
      return zlib().deflateSync(payload)
    case Compression.zstd:
      return Bun.zstdCompressSync(payload, { level: 3 })
    default:
      throw new RangeError(`msgtrans: unknown compression ${code}`)
  }
}

/**
 * Decompresses a payload, refusing to produce more than `maxOutput` bytes (the output
 * is bounded while decompressing, so a bomb costs at most the cap).
 *
 * @example
 * const plain = decompressPayload(p.payload, p.compression, limits.maxDecompressed)
 */
export function decompressPayload(payload: Uint8Array, code: number, maxOutput: number): Uint8Array {
  if (code === Compression.none) return payload
  try {
    if (code === Compression.zlib) return zlib().inflateSync(payload, { maxOutputLength: maxOutput })
    if (code === Compression.zstd) return zlib().zstdDecompressSync(payload, { maxOutputLength: maxOutput })
  } catch (err) {
    const e = err as { code?: string; message?: string }
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e.code === 'ERR_OUT_OF_RANGE') {
      throw new ProtocolError('E_DECOMPRESSED_TOO_LARGE', `decompressed payload exceeds ${maxOutput} bytes`)
    }
    throw new ProtocolError('E_DECOMPRESS', `cannot decompress (${code}): ${e.message ?? err}`)
  }
  throw new ProtocolError('E_BAD_COMPRESSION', `unknown compression ${code}`)
}
