import { describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { Compression, compressPayload, decompressPayload, ProtocolError } from '../../src/protocol/index.ts'

const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
const text = new TextEncoder().encode('hello hello hello hello')

describe('payload compression', () => {
  // Bytes produced by the Rust crate (RUST-INTEROP.md F3) decode here.
  test('decodes the Rust crate zlib (RFC 1950) and zstd payloads', () => {
    expect(decompressPayload(unhex('789ccb48cdc9c957c8402701680308b1'), Compression.zlib, 1024)).toEqual(text)
    expect(decompressPayload(unhex('28b52ffd20176500003068656c6c6f200100994b11'), Compression.zstd, 1024)).toEqual(text)
  })

  test('zlib output is RFC 1950 (78 9c), zstd a standard frame', () => {
    const z = compressPayload(text, Compression.zlib)
    expect([z[0], z[1]]).toEqual([0x78, 0x9c])
    expect(Buffer.from(compressPayload(text, Compression.zstd).subarray(0, 4)).toString('hex')).toBe('28b52ffd')
  })

  test('round trips both codecs', () => {
    const data = crypto.getRandomValues(new Uint8Array(50_000))
    for (const c of [Compression.zlib, Compression.zstd]) {
      expect(decompressPayload(compressPayload(data, c), c, 100_000)).toEqual(data)
    }
  })

  test('a decompression bomb stops at the cap', () => {
    const bombZlib = zlib.deflateSync(new Uint8Array(64 * 1024 * 1024))
    const bombZstd = Bun.zstdCompressSync(new Uint8Array(64 * 1024 * 1024))
    expect(bombZlib.length).toBeLessThan(100_000)
    for (const [c, b] of [[Compression.zlib, bombZlib], [Compression.zstd, bombZstd]] as const) {
      expect(() => decompressPayload(b, c, 1024 * 1024)).toThrow('E_DECOMPRESSED_TOO_LARGE')
    }
  })

  test('raw deflate and gzip under code 2 are errors, not garbage', () => {
    for (const wrong of [zlib.deflateRawSync(text), zlib.gzipSync(text)]) {
      expect(() => decompressPayload(wrong, Compression.zlib, 1024)).toThrow(ProtocolError)
    }
  })
})
