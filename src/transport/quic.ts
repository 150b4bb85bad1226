import { listen, QuicEndpoint, type QuicSession, type QuicStream } from 'node:quic'
import { ProtocolError, type BufferOwner, type Packet, type SendResult } from '../protocol/index.ts'
import { QuicFramer, QuicWriteQueue } from '../protocol/quic-framer.ts'
import { isStreamReset, QUIC_ALPN, readStream, streamSink } from '../protocol/quic-io.ts'
import { protocolErrorNotice } from './protocol-close.ts'
import { quicIdentity, type QuicIdentity } from './quic-cert.ts'
import {
  CloseCode,
  type Connection,
  type TransportHandlers,
  type TransportListener,
  type TransportSettings,
} from './types.ts'

/** How long a closing session may wait for the peer to end its side. */
const CLOSE_GRACE_MS = 2_000
/**
 * Default for how long a session may exist without sending on its stream. Such a session
 * is not an app session yet, and Bun keeps idle sessions alive (docs/quic.md, defect 2).
 */
export const QUIC_STREAM_TIMEOUT_MS = 10_000

/** Options of the QUIC listener. */
export interface QuicOptions {
  port: number
  hostname?: string
  /** PEM certificate chain (text or file path); a self-signed dev cert when omitted. */
  cert?: string
  /** PEM private key (text or file path). */
  key?: string
  /** Close a session after this long without packets, ms (default 30 s). */
  idleTimeout?: number
  /** Send QUIC PINGs at this interval, ms (default 10 s; 0 = off). */
  keepAlive?: number
  /** ALPN to select (default `msgtrans`; the Rust crate offers none, see docs/quic.md). */
  alpn?: string
  /** Close a session that has not sent on its stream this long after connecting, ms (10 s). */
  streamTimeout?: number
}

/** A QUIC listener; also tells which certificate it serves. */
export interface QuicListener extends TransportListener {
  readonly identity: QuicIdentity
}

/**
 * One QUIC session carrying ONE client-opened bidirectional stream, whose packets are
 * u32-length-prefixed. Backpressure follows the stream writer (sent/queued/dropped).
 */
export class QuicConnection implements Connection {
  readonly transport = 'quic' as const
  readonly framer: QuicFramer
  stream: QuicStream | null = null
  queue: QuicWriteQueue | null = null
  closed = false
  opened = false
  closeCode: number = CloseCode.normal
  closeReason = ''
  #end: (() => void) | null = null
  #reset: (() => void) | null = null

  constructor(
    readonly session: QuicSession,
    readonly settings: TransportSettings,
    public remoteAddress: string,
  ) {
    this.framer = new QuicFramer(settings.limits)
  }

  get bufferedAmount(): number {
    return this.queue?.bufferedAmount ?? 0
  }

  /** Binds the connection to its one stream. */
  attach(stream: QuicStream): void {
    const sink = streamSink(stream as never)
    this.stream = stream
    this.queue = new QuicWriteQueue(sink, this.settings.maxQueuedBytes)
    this.#end = () => sink.end()
    this.#reset = () => sink.fail()
  }

  write(packet: Uint8Array, owner?: BufferOwner): SendResult {
    if (this.closed || !this.queue) return 'dropped'
    // The QUIC queue may keep the bytes: a shared (pooled) packet is copied, not retained.
    const result = this.queue.push(owner ? packet.slice() : packet)
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
    return result
  }

  /** Ends the stream after queued bytes are written, then closes the session. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closed) return
    this.#mark(code, reason)
    const q = this.queue
    if (!q || q.bufferedAmount === 0) return this.#finish()
    q.onEmpty = () => this.#finish()
  }

  /** Closes now, discarding queued bytes: resets the stream so the peer learns at once. */
  abort(code: number, reason: string): void {
    this.#mark(code, reason)
    this.queue?.clear()
    this.#reset?.()
    this.#closeSession()
  }

  #finish(): void {
    this.#end?.()
    this.#closeSession()
  }

  // session.destroy() sends no CONNECTION_CLOSE (docs/quic.md, defect 4), so close
  // gracefully first and destroy only a peer that never ends its side.
  #closeSession(): void {
    this.session.close().catch(() => {})
    setTimeout(() => this.session.destroy(), CLOSE_GRACE_MS).unref?.()
  }

  #mark(code: number, reason: string): void {
    if (!this.closed) {
      this.closeCode = code
      this.closeReason = reason
    }
    this.closed = true
  }
}

/**
 * Serves v1 over QUIC with node:quic (TLS 1.3, ALPN `msgtrans`). The client opens one
 * bidirectional stream; a second stream, a reset, a bad prefix or a bad header closes
 * that connection with a logged reason and an error notice.
 *
 * @example
 * const l = listenQuic({ port: 0 }, handlers, settings)
 * console.log(l.port, l.identity.fingerprint)
 */
export function listenQuic(opts: QuicOptions, handlers: TransportHandlers, settings: TransportSettings): QuicListener {
  const identity = quicIdentity(opts)
  if (identity.selfSigned) {
    settings.log(`quic: dev mode, self-signed ECDSA P-256 certificate, sha256 ${identity.fingerprint}`)
  }
  const live = new Set<QuicConnection>()
  let stopping = false
  // endpoint.close() keeps the UDP port until every session is gone; release it then.
  const releaseWhenIdle = () => {
    if (stopping && live.size === 0) endpoint.destroy()
  }
  const host = opts.hostname ?? '0.0.0.0'
  const endpoint = new QuicEndpoint({ address: `${host.includes(':') ? `[${host}]` : host}:${opts.port}` })
  const onSession = (session: QuicSession) => {
    if (stopping) return session.destroy()
    serveSession(session, live, handlers, settings, releaseWhenIdle, opts.streamTimeout ?? QUIC_STREAM_TIMEOUT_MS)
  }
  listen(onSession, {
    endpoint,
    alpn: [opts.alpn ?? QUIC_ALPN],
    sni: { '*': { keys: [identity.key], certs: [Buffer.from(identity.certPem)] } },
    ...keepAliveOption(opts.keepAlive ?? 10_000),
    transportParams: { maxIdleTimeout: opts.idleTimeout ?? 30_000 },
  } as never).catch((err: Error) => settings.log(`quic: listen failed: ${err.message}`))
  const port = endpoint.address?.port
  if (port === undefined) {
    endpoint.destroy()
    throw new Error(`msgtrans: quic could not bind ${host}:${opts.port}`)
  }
  return {
    transport: 'quic',
    port,
    identity,
    stop(closeActive = false) {
      stopping = true
      endpoint.close().catch(() => {})
      // Sessions whose client has not sent on its stream yet are not app sessions: the
      // app cannot close them, so they go now or they would hold the port.
      for (const c of live) if (closeActive || !c.opened) c.close(CloseCode.goingAway, 'server stopping')
      releaseWhenIdle()
    },
  }
}

function serveSession(
  session: QuicSession,
  live: Set<QuicConnection>,
  handlers: TransportHandlers,
  settings: TransportSettings,
  onEnded: () => void,
  streamTimeout: number,
): void {
  const conn = new QuicConnection(session, settings, '')
  live.add(conn)
  const deadline = setTimeout(() => {
    if (conn.opened || conn.closed) return
    settings.log(`quic ${conn.remoteAddress}: closing, E_NO_STREAM: no stream within ${streamTimeout} ms`)
    conn.close(CloseCode.policy, 'E_NO_STREAM: no stream opened')
  }, streamTimeout)
  deadline.unref?.()
  session.onstream = (stream: QuicStream) => {
    // node:quic rejects stream.closed when a session ends abruptly; unobserved it
    // would surface as an unhandled rejection.
    stream.closed.catch(() => {})
    if (conn.stream) {
      stream.destroy()
      return reject(conn, new ProtocolError('E_EXTRA_STREAM', 'a second stream was opened'), settings)
    }
    conn.attach(stream)
    if ((stream as { direction?: string }).direction !== 'bidi') {
      return reject(conn, new ProtocolError('E_EXTRA_STREAM', 'the stream must be bidirectional'), settings)
    }
    conn.opened = true
    handlers.open(conn)
    void pumpInbound(conn, stream, (p) => handlers.packet(conn, p), settings)
  }
  // session.path is empty in Bun 1.4.4; the handshake info carries the peer address.
  session.opened.then(
    (info) => (conn.remoteAddress = info.remote?.address ?? conn.remoteAddress),
    () => {},
  )
  session.opened.catch((err: Error) => {
    // Handshake failures never reach the app; say why (ALPN is the usual one: msgtrans
    // 1.0.x Rust clients offer none, which TLS for QUIC refuses, see docs/quic.md).
    settings.log(`quic ${conn.remoteAddress}: handshake failed, ${err.message}`)
  })
  const ended = () => {
    clearTimeout(deadline)
    if (!live.delete(conn)) return
    conn.closed = true
    conn.queue?.clear()
    if (conn.opened) handlers.close(conn, conn.closeCode, conn.closeReason)
    onEnded()
  }
  session.closed.then(ended, ended)
}

async function pumpInbound(
  conn: QuicConnection,
  stream: QuicStream,
  onPacket: (p: Packet) => void,
  settings: TransportSettings,
): Promise<void> {
  try {
    await readStream(stream as never, (chunk) => {
      if (!conn.closed) conn.framer.push(chunk, onPacket)
    })
    conn.close(CloseCode.normal, '')
  } catch (err) {
    if (conn.closed) return
    if (err instanceof ProtocolError) return reject(conn, err, settings)
    if (isStreamReset(err)) return reject(conn, new ProtocolError('E_STREAM_RESET', 'the peer reset the stream'), settings)
    settings.log(`quic ${conn.remoteAddress}: stream error ${(err as Error).message}`)
    conn.abort(CloseCode.internal, String((err as Error).message))
  }
}

function reject(conn: QuicConnection, err: ProtocolError, settings: TransportSettings): void {
  settings.log(`quic ${conn.remoteAddress}: closing, ${err.message}`)
  conn.queue?.push(protocolErrorNotice(err))
  conn.close(CloseCode.protocolError, err.message)
}

/** node:quic's keepAlive (ms between PINGs); 0 leaves it out (no PINGs). */
export function keepAliveOption(ms: number): { keepAlive?: number } {
  return ms > 0 ? { keepAlive: ms } : {}
}
