/**
 * Regenerates the seed corpus (bun test/fuzz/make-corpus.ts). Inputs found by fuzzing
 * are added by hand as new .hex files with a `#` line saying what they once broke.
 */
import zlib from 'node:zlib'
import { encodePacket, routeExt } from '../../src/protocol/index.ts'

const dir = new URL('./corpus/', import.meta.url).pathname
const enc = new TextEncoder()
const header = (f: (h: Uint8Array, v: DataView) => void) => {
  const h = encodePacket({ id: 1 })
  f(h, new DataView(h.buffer))
  return h
}
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0)
  return out
}
const seeds: Record<string, [string, Uint8Array]> = {
  'oversize-length': ['payload_len 0xffffffff: must fail before allocating', header((_, v) => v.setUint32(10, 0xffffffff))],
  'ext-too-large': ['ext_header_len 0xffff above the 4 KiB limit', header((_, v) => v.setUint16(8, 0xffff))],
  'bad-version': ['version 2', header((h) => (h[0] = 2))],
  'bad-type': ['packet type 3', header((h) => (h[2] = 3))],
  'bad-compression': ['compression 3', header((h) => (h[1] = 3))],
  'fragmented-flag': ['flag 0x1 (fragmented) is not v1', header((_, v) => v.setUint16(14, 1))],
  'http-get': ['an HTTP request on the TCP port', enc.encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
  'truncated-body': ['header declares 100 bytes, 3 arrive', cat(header((_, v) => v.setUint32(10, 100)), enc.encode('abc'))],
  'header-only-15': ['15 bytes: an unfinished header', encodePacket({ id: 7 }).subarray(0, 15)],
  'valid-then-garbage': ['a good packet, then a bad version', cat(encodePacket({ id: 1, ext: routeExt('a') }), header((h) => (h[0] = 0)))],
  'zlib-bomb': ['zlib: 8 MiB of zeros in ~8 KiB', encodePacket({ type: 1, id: 3, compression: 2, payload: zlib.deflateSync(new Uint8Array(8 << 20)) })],
  'zstd-bomb': ['zstd: 8 MiB of zeros', encodePacket({ type: 1, id: 4, compression: 1, payload: Bun.zstdCompressSync(new Uint8Array(8 << 20)) })],
  'zlib-garbage': ['compression 2 over bytes that are not zlib', encodePacket({ id: 5, compression: 2, payload: enc.encode('not zlib') })],
  'zlib-raw-deflate': ['raw deflate (no RFC 1950 header) labelled zlib', encodePacket({ id: 6, compression: 2, payload: zlib.deflateRawSync(enc.encode('hi')) })],
  'id-zero-and-max': ['ids 0 and 0xffffffff are valid', cat(encodePacket({ id: 0 }), encodePacket({ id: 0xffffffff, type: 2 }))],
  'route-prefix-only': ['ext "route:" with no name, flags 0 and 4', cat(encodePacket({ ext: enc.encode('route:') }), encodePacket({ ext: enc.encode('route:'), flags: 4 }))],
  'error-ext-bad-json': ['an error envelope whose payload is not JSON', encodePacket({ type: 2, id: 9, ext: enc.encode('error'), payload: enc.encode('{') })],
  'utf8-invalid-route': ['route name with invalid UTF-8', encodePacket({ flags: 4, ext: new Uint8Array([0xff, 0xfe, 0xc3]) })],
}
for (const [name, [why, bytes]] of Object.entries(seeds)) {
  const hex = Buffer.from(bytes).toString('hex').replace(/(.{64})/g, '$1\n')
  await Bun.write(`${dir}${name}.hex`, `# ${why}\n${hex}\n`)
}
console.log(`wrote ${Object.keys(seeds).length} corpus files to ${dir}`)
