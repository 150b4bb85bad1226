import type { Socket, TCPSocketListener } from 'bun'
import { ProtocolError, TcpFramer, WriteQueue, type BufferOwner, type Packet, type SendResult } from '../protocol/index.ts'
import { WriteBatch, type BatchSink } from './batch.ts'
import { heapBuffers, type OutboundBuffers } from './buffers.ts'
import { protocolErrorNotice } from './protocol-close.ts'
import { RefRun } from './ref-run.ts'
import {
  CloseCode,
  type Connection,
  type TransportHandlers,
  type TransportListener,
  type TransportSettings,
} from './types.ts'

/** Packets in a shared buffer at least this big skip the batch copy. */
const BY_REFERENCE = 16 * 1024

/** Options of the TCP listener. */
export interface TcpOptions {
  port: number
  hostname?: string
  /** SO_REUSEPORT: several workers listen on one port, the kernel spreads connections. */
  reusePort?: boolean
}

/** A TCP connection: framer in, write queue out. */
export class TcpConnection implements Connection, BatchSink {
  readonly transport = 'tcp' as const
  readonly framer: TcpFramer
  readonly queue: WriteQueue
  /** Corks small writes of one event-loop turn into one socket write (null: off). */
  readonly batch: WriteBatch | null
  /** Where outbound packets too big for the batch are encoded (a pool, or the heap). */
  readonly buffers: OutboundBuffers
  closed = false
  /** Hands a framed packet to the app (set by the listener). */
  deliver: (packet: Packet) => void = () => {}
  closeCode: number = CloseCode.normal
  closeReason = ''
  /** By-reference packets back to back in one buffer, written at uncork (see RefRun). */
  readonly #run = new RefRun()

  constructor(
    readonly socket: Socket<TcpConnection>,
    settings: TransportSettings,
  ) {
    // Bun hands out a fresh buffer per read: ours to rewrite for in-place forwarding.
    this.framer = new TcpFramer(settings.limits, { inPlace: true })
    this.queue = new WriteQueue(socket, settings.maxQueuedBytes)
    this.buffers = settings.buffers ?? heapBuffers
    this.batch = settings.batching === 'latency' ? null : new WriteBatch(this, settings.batchBytes, this.buffers)
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress
  }

  get bufferedAmount(): number {
    return this.queue.bufferedAmount + (this.batch?.length ?? 0) + this.#run.length
  }

  /**
   * Writes one packet. With batching, a small packet is corked until the end of the
   * turn and reports 'sent' unless the socket already has a backlog ('queued'). A big
   * packet of a shared buffer (`owner`) is written by reference; inside a data callback
   * it waits for the callback's end, joined with the packets right after it in the same
   * buffer (see RefRun).
   */
  write(packet: Uint8Array, owner?: BufferOwner): SendResult {
    if (this.closed) return 'dropped'
    const batch = this.batch
    if (batch) {
      if (!owner || packet.length < BY_REFERENCE) {
        this.#flushRun()
        if (this.queue.bufferedAmount === 0 && batch.add(packet)) return this.#corked()
      } else if (batch.corked && this.queue.bufferedAmount === 0) {
        // A big packet in a shared buffer goes out by reference (no copy into the batch);
        // while corked, packets back to back in one buffer leave in one write.
        if (this.#run.extend(packet, owner)) return 'sent'
        this.#flushRun()
        batch.flush()
        if (this.queue.bufferedAmount === 0) {
          this.#run.start(packet, owner)
          return 'sent'
        }
      } else this.#flushRun()
      // Whatever is still corked was written before this packet: it goes first.
      batch.flush()
    }
    const result = this.queue.push(packet, owner)
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
    return result
  }

  /** Writes the corked run of by-reference packets, if any. */
  #flushRun(): void {
    const run = this.#run.take()
    if (!run) return
    this.queue.push(run.bytes, run.owner)
    run.owner.release()
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
  }

  /** Writes everything corked (the run, then the batch) now. */
  flushCorked(): void {
    this.#flushRun()
    this.batch?.flush()
  }

  /** Ends the data callback's cork: what its handlers wrote leaves now. */
  uncork(): void {
    this.#flushRun()
    this.batch!.uncork()
  }

  /**
   * Space to encode an `n`-byte packet straight into the corked batch (see
   * WriteBatch.reserve); null when batching is off, the socket has a backlog, the
   * connection is closed or the packet is too big. Follow with commitReserved(n).
   */
  reserve(n: number): { bytes: Uint8Array; offset: number } | null {
    if (this.closed || !this.batch) return null
    this.#flushRun()
    if (this.queue.bufferedAmount > 0) return null
    return this.batch.reserve(n)
  }

  /** Completes reserve(): the packet is corked and will be written this turn. */
  commitReserved(n: number): SendResult {
    this.batch!.commit(n)
    return this.#corked()
  }

  // A corked packet is 'sent' unless making room for it left the socket with a backlog.
  #corked(): SendResult {
    return this.queue.bufferedAmount > 0 ? 'queued' : 'sent'
  }

  /** Writes a big packet as header + payload without joining them (no payload copy). */
  writeParts(head: Uint8Array, payload: Uint8Array, owner?: BufferOwner): SendResult {
    if (this.closed) return 'dropped'
    if (this.queue.bufferedAmount + head.length + payload.length > this.queue.maxBytes) {
      this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
      return 'dropped'
    }
    this.#flushRun()
    // The header joins (and ends) the corked batch, then the payload follows as it is.
    if (this.batch && this.queue.bufferedAmount === 0 && this.batch.add(head)) this.batch.flush()
    else {
      this.batch?.flush()
      this.queue.push(head)
    }
    const result = this.queue.push(payload, owner)
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
    return result
  }

  /** BatchSink: the end-of-turn write of corked packets. */
  flushBatch(bytes: Uint8Array, owner: BufferOwner): boolean {
    if (this.socket.readyState <= 0) return false
    this.queue.push(bytes, owner)
    if (this.queue.overflowed) this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
    else if (this.closed && this.queue.bufferedAmount === 0) this.socket.end()
    return this.queue.bufferedAmount > 0
  }

  /** Forgets corked bytes (the socket is gone). */
  discardCorked(): void {
    this.#run.take()?.owner.release()
    this.batch?.clear()
  }

  /** Closes after the queued bytes are written. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closed) return
    this.#markClosed(code, reason)
    this.flushCorked()
    if (this.queue.bufferedAmount === 0) this.socket.end()
  }

  /** Closes now, discarding queued bytes. */
  abort(code: number, reason: string): void {
    if (this.closed && this.queue.bufferedAmount === 0 && !this.batch?.length && !this.#run.length) return
    this.#markClosed(code, reason)
    // Corked bytes were reported 'sent': give them to the socket once (no queueing).
    const run = this.#run.take()
    if (run) {
      if (this.queue.bufferedAmount === 0) this.socket.write(run.bytes)
      run.owner.release()
    }
    const corked = this.batch?.take()
    if (corked && this.queue.bufferedAmount === 0) this.socket.write(corked)
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
    // Bun.listen honours reusePort at runtime; bun-types 1.4.4 does not declare it.
    ...({ reusePort: opts.reusePort } as object),
    socket: {
      open(socket) {
        socket.setNoDelay(true)
        socket.setKeepAlive(true, 60_000)
        const conn = new TcpConnection(socket, settings)
        conn.deliver = (packet) => handlers.packet(conn, packet)
        socket.data = conn
        live.add(conn)
        handlers.open(conn)
      },
      data(socket, chunk) {
        const conn = socket.data
        if (conn.closed) return
        // Replies made while handling this chunk leave in one write at its end, inside
        // the data callback (also when a handler throws).
        const corked = conn.batch?.cork() ?? false
        try {
          conn.framer.push(chunk, conn.deliver)
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err
          settings.log(`tcp ${conn.remoteAddress}: closing, ${err.message}`)
          conn.flushCorked() // replies to the packets before the bad one go first
          conn.queue.push(protocolErrorNotice(err))
          conn.close(CloseCode.protocolError, err.message)
        } finally {
          if (corked) conn.uncork()
        }
      },
      drain(socket) {
        socket.data.onDrain()
      },
      close(socket) {
        const conn = socket.data
        if (!conn || !live.delete(conn)) return
        conn.closed = true
        conn.discardCorked()
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
