import type { Socket, TCPSocketListener } from 'bun'
import { ProtocolError, TcpFramer, WriteQueue } from '../protocol/index.ts'
import { protocolErrorNotice } from './protocol-close.ts'
import {
  CloseCode,
  type Connection,
  type TransportHandlers,
  type TransportListener,
  type TransportSettings,
} from './types.ts'

/** Options of the TCP listener. */
export interface TcpOptions {
  port: number
  hostname?: string
  /** SO_REUSEPORT: several workers listen on one port, the kernel spreads connections. */
  reusePort?: boolean
}

/** A TCP connection: framer in, write queue out. */
export class TcpConnection implements Connection {
  readonly transport = 'tcp' as const
  readonly framer: TcpFramer
  readonly queue: WriteQueue
  closed = false
  closeCode: number = CloseCode.normal
  closeReason = ''

  constructor(
    readonly socket: Socket<TcpConnection>,
    settings: TransportSettings,
  ) {
    this.framer = new TcpFramer(settings.limits)
    this.queue = new WriteQueue(socket, settings.maxQueuedBytes)
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress
  }

  get bufferedAmount(): number {
    return this.queue.bufferedAmount
  }

  write(packet: Uint8Array) {
    if (this.closed) return 'dropped' as const
    const result = this.queue.push(packet)
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
    return result
  }

  /** Closes after the queued bytes are written. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closed) return
    this.#markClosed(code, reason)
    if (this.queue.bufferedAmount === 0) this.socket.end()
  }

  /** Closes now, discarding queued bytes. */
  abort(code: number, reason: string): void {
    if (this.closed && this.queue.bufferedAmount === 0) return
    this.#markClosed(code, reason)
    this.queue.clear()
    this.socket.terminate()
  }

  /** Socket drain: flush, and finish a pending graceful close. */
  onDrain(): void {
    if (this.queue.flush() && this.closed) this.socket.end()
  }

  #markClosed(code: number, reason: string): void {
    if (!this.closed) {
      this.closeCode = code
      this.closeReason = reason
    }
    this.closed = true
  }
}

/**
 * Serves v1 over TCP with Bun.listen: the stream is framed by the header itself.
 * Bad input closes that connection with a logged reason and an error notice.
 *
 * @example
 * const l = listenTcp({ port: 0 }, handlers, settings)
 * console.log(l.port)
 */
export function listenTcp(
  opts: TcpOptions,
  handlers: TransportHandlers,
  settings: TransportSettings,
): TransportListener {
  const live = new Set<TcpConnection>()
  const listener: TCPSocketListener<TcpConnection> = Bun.listen<TcpConnection>({
    hostname: opts.hostname ?? '0.0.0.0',
    port: opts.port,
    reusePort: opts.reusePort,
    socket: {
      open(socket) {
        socket.setNoDelay(true)
        socket.setKeepAlive(true, 60_000)
        const conn = new TcpConnection(socket, settings)
        socket.data = conn
        live.add(conn)
        handlers.open(conn)
      },
      data(socket, chunk) {
        const conn = socket.data
        if (conn.closed) return
        try {
          conn.framer.push(chunk, (packet) => handlers.packet(conn, packet))
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err
          settings.log(`tcp ${conn.remoteAddress}: closing, ${err.message}`)
          conn.queue.push(protocolErrorNotice(err))
          conn.close(CloseCode.protocolError, err.message)
        }
      },
      drain(socket) {
        socket.data.onDrain()
      },
      close(socket) {
        const conn = socket.data
        if (!conn || !live.delete(conn)) return
        conn.closed = true
        conn.queue.clear()
        handlers.close(conn, conn.closeCode, conn.closeReason)
      },
      error(socket, err) {
        settings.log(`tcp ${socket.data?.remoteAddress}: socket error ${err.message}`)
      },
    },
  })
  return {
    transport: 'tcp',
    port: listener.port,
    stop(closeActive = false) {
      listener.stop(closeActive)
      if (closeActive) for (const c of live) c.close(CloseCode.goingAway, 'server stopping')
    },
  }
}
