import { connect, type QuicSession } from 'node:quic'
import { type Packet } from '../../src/protocol/index.ts'
import { QuicFramer } from '../../src/protocol/quic-framer.ts'
import { QUIC_ALPN } from '../../src/protocol/quic-io.ts'

/** A bare QUIC peer for tests: one bidi stream, raw bytes out, framed packets in. */
export interface RawQuicPeer {
  session: QuicSession
  stream: any
  packets: Packet[]
  /** Resolves when the server ended or reset our stream (or the session closed). */
  ended: Promise<void>
  write(bytes: Uint8Array): boolean
}

/** Opens a session (no verification, ALPN msgtrans) and, unless told not to, its stream. */
export async function rawQuic(port: number, opts: { stream?: boolean; read?: boolean } = {}): Promise<RawQuicPeer> {
  const session = await connect(`127.0.0.1:${port}`, {
    alpn: QUIC_ALPN,
    servername: 'localhost',
    verifyPeer: 'manual',
  } as never)
  session.closed.catch(() => {})
  await session.opened
  const packets: Packet[] = []
  let stream: any = null
  let ended: Promise<void> = session.closed.then(
    () => {},
    () => {},
  )
  if (opts.stream ?? true) {
    stream = await session.createBidirectionalStream()
    stream.closed.catch(() => {})
    const framer = new QuicFramer()
    if (opts.read === false) return { session, stream, packets, ended, write: (b) => stream.writer.writeSync(b) }
    ended = (async () => {
      try {
        for await (const batch of stream) {
          for (const c of batch) framer.push(c, (p) => packets.push({ ...p, ext: p.ext.slice(), payload: p.payload.slice() }))
        }
      } catch {}
    })()
  }
  return { session, stream, packets, ended, write: (b) => stream.writer.writeSync(b) }
}
