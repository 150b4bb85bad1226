import type { FrameSink } from './quic-framer.ts'

/** The ALPN our QUIC server selects and our client offers (the Rust crate sets none). */
export const QUIC_ALPN = 'msgtrans'

// node:quic's writer signals drain through the stream/iter "drainable" protocol;
// its async write()/writev() do not wait (they throw "Stream write buffer is full").
const DRAINABLE = Symbol.for('Stream.drainableProtocol')

/** The part of a node:quic QuicStream these helpers use (structural, no import). */
export interface StreamLike {
  readonly writer: unknown
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array[]>
}

interface DrainableWriter {
  desiredSize: number | null
  writevSync(chunks: Uint8Array[]): boolean
  endSync(): number
  fail(reason?: unknown): void
  [DRAINABLE](): Promise<unknown> | null
}

/** Adapts a node:quic stream writer to the FrameSink of QuicWriteQueue. */
export function streamSink(stream: StreamLike): FrameSink & { end(): void; fail(): void } {
  const w = stream.writer as unknown as DrainableWriter
  return {
    writevSync: (chunks) => w.writevSync(chunks),
    drained() {
      if (w.desiredSize === null) throw new Error('stream closed')
      return w[DRAINABLE]()
    },
    end() {
      try {
        w.endSync()
      } catch {}
    },
    fail() {
      try {
        w.fail()
      } catch {}
    },
  }
}

/** Reads a stream to its end, chunk by chunk; resolves on FIN, rejects on reset/error. */
export async function readStream(stream: StreamLike, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  for await (const batch of stream) {
    for (const chunk of batch) onChunk(chunk)
  }
}

/** True for the error node:quic raises when the peer reset the stream. */
export function isStreamReset(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ERR_QUIC_STREAM_RESET'
}
