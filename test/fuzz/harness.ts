import {
  decodePacket,
  decompressPayload,
  ProtocolError,
  routeName,
  TcpFramer,
  type Limits,
  type Packet,
} from '../../src/protocol/index.ts'
import { decodeErrorBody } from '../../src/protocol/index.ts'

/** What a byte stream did to a framer: the packets out, and the error that stopped it. */
export interface FrameOutcome {
  packets: string[]
  error: string | undefined
  maxBuffered: number
  /** Bytes of an unfinished packet held at the end. */
  leftover: number
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const show = (p: Packet) => `${p.type}/${p.biz}/${p.id}/${p.flags}/${p.compression}/${hex(p.ext)}/${hex(p.payload)}`

/**
 * Feeds `bytes` to a fresh framer in chunks sized by `sizes`. Anything thrown that is not
 * a ProtocolError is a bug and propagates. Every packet also goes through the codec,
 * route parser, decompressor and error-envelope decoder, which may only throw
 * ProtocolError (decompressor) or nothing at all.
 */
export function frame(bytes: Uint8Array, limits: Limits, sizes: () => number): FrameOutcome {
  const framer = new TcpFramer(limits)
  const packets: string[] = []
  let maxBuffered = 0
  try {
    for (let o = 0; o < bytes.length; ) {
      const n = Math.max(1, Math.min(sizes(), bytes.length - o))
      framer.push(bytes.slice(o, o + n), (p) => packets.push(inspect(p, limits)))
      maxBuffered = Math.max(maxBuffered, framer.buffered)
      o += n
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err
    return { packets, error: err.code, maxBuffered, leftover: 0 }
  }
  return { packets, error: undefined, maxBuffered, leftover: framer.buffered }
}

function inspect(p: Packet, limits: Limits): string {
  routeName(p.ext, p.flags)
  decodeErrorBody(p.payload)
  if (p.compression !== 0) {
    try {
      const out = decompressPayload(p.payload, p.compression, limits.maxDecompressed)
      if (out.length > limits.maxDecompressed) throw new Error(`decompressed ${out.length} > cap`)
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
    }
  }
  const whole = new Uint8Array(16 + p.ext.length + p.payload.length)
  // Re-decoding the packet on its own (the WebSocket path) must agree with the framer.
  whole.set(headerOf(p), 0)
  whole.set(p.ext, 16)
  whole.set(p.payload, 16 + p.ext.length)
  const again = decodePacket(whole, limits)
  if (show(again) !== show(p)) throw new Error('decodePacket disagrees with TcpFramer')
  return show(p)
}

function headerOf(p: Packet): Uint8Array {
  const h = new Uint8Array(16)
  const v = new DataView(h.buffer)
  h[0] = 1
  h[1] = p.compression
  h[2] = p.type
  h[3] = p.biz
  v.setUint32(4, p.id)
  v.setUint16(8, p.ext.length)
  v.setUint32(10, p.payload.length)
  v.setUint16(14, p.flags)
  return h
}

/** Reads a corpus file: `#` comment lines, then hex (whitespace ignored). */
export function readCorpusHex(text: string): Uint8Array {
  const hexText = text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('')
    .replace(/\s+/g, '')
  return new Uint8Array(Buffer.from(hexText, 'hex'))
}
