import type { Server, ServerWebSocket } from 'bun'
import {
  beginLend,
  decodeFrame,
  endLend,
  frameLender,
  HEADER_SIZE,
  ProtocolError,
  type Packet,
  type SendResult,
} from '../protocol/index.ts'
import { protocolErrorNotice } from './protocol-close.ts'
import {
  CloseCode,
  type Connection,
  type TransportHandlers,
  type TransportListener,
  type TransportSettings,
} from './types.ts'

/** The subprotocol our server echoes when a client offers it (never required). */
export const SUBPROTOCOL = 'msgtrans.v1'

/** Options of the WebSocket listener. */
export interface WsOptions {
  port: number
  hostname?: string
  reusePort?: boolean
  /** Upgrade path; any path is accepted when omitted (as the Rust server does). */
  path?: string
  /** HTTP requests that are not upgrades (Elysia plugs in here). */
  fetch?: (req: Request, server: Server<WsConnection>) => Response | Promise<Response>
}

const SCRATCH_BYTES = 64 * 1024
const BIG_FRAME = 64 * 1024
const scratch = new Uint8Array(SCRATCH_BYTES)
const scratchSlot = { bytes: scratch, offset: 0 }
// Views of the scratch buffer's first n bytes, kept for small n: making one per send
// cost more than the rest of the send path (a typed-array view is an allocation plus
// a C++ call). At most CACHED_VIEWS of them.
const CACHED_VIEWS = 4096
const scratchViews: (Uint8Array | undefined)[] = []

/** A WebSocket connection: one binary frame = one packet. */
export class WsConnection implements Connection {
  readonly transport = 'ws' as const
  ws!: ServerWebSocket<WsConnection>
  closed = false
  /** What the upgrade gate returned (settings.admitUpgrade). */
  admission: unknown = undefined
  /** Our reason when we closed it (a slow consumer is cut without a close frame). */
  closeReason = ''

  constructor(
    readonly remoteAddress: string,
    readonly maxQueuedBytes = Infinity,
  ) {}

  get bufferedAmount(): number {
    return this.ws.getBufferedAmount()
  }

  write(packet: Uint8Array): SendResult {
    if (this.closed) return 'dropped'
    // The socket's backlog is only asked for while it has one (or for a big frame).
    const check = this.#backlogged || packet.length >= BIG_FRAME
    if (check && this.ws.getBufferedAmount() + packet.length > this.maxQueuedBytes) {
      this.abort(CloseCode.policy, 'E_SLOW_CONSUMER: outbound queue full')
      return 'dropped'
    }
    const n = this.ws.sendBinary(packet, false)
    if (n > 0) return 'sent'
    if (n === -1) {
      this.#backlogged = true
      return 'queued'
    }
    return 'dropped'
  }

  #backlogged = false

  /** The socket drained its backlog. */
  onDrain(): void {
    this.#backlogged = false
  }

  /**
   * Space to encode an `n`-byte packet in place: a scratch buffer shared by every
   * WebSocket connection of this thread, valid until commitReserved() (sendBinary copies
   * the frame into the socket's own buffer before it returns). Null for big packets.
   */
  reserve(n: number): { bytes: Uint8Array; offset: number } | null {
    if (this.closed || n > SCRATCH_BYTES) return null
    return scratchSlot
  }

  /** Sends the `n` bytes encoded at the scratch slot. */
  commitReserved(n: number): SendResult {
    return this.write(n <= CACHED_VIEWS ? (scratchViews[n] ??= scratch.subarray(0, n)) : scratch.subarray(0, n))
  }

  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closed) return
    this.closed = true
    this.ws.close(code, reason.slice(0, 120))
  }

  /** Closes now, without waiting for queued bytes. */
  abort(_code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.closeReason = reason
    this.ws.terminate()
  }
}

/**
 * Serves v1 over WebSocket with Bun.serve: binary frames only, one packet per frame.
 * Echoes subprotocol `msgtrans.v1` when offered. Text frames and malformed packets
 * close that connection (1003 / 1002) after an error notice.
 *
 * @example
 * const l = listenWs({ port: 0 }, handlers, settings)
 */
export function listenWs(
  opts: WsOptions,
  handlers: TransportHandlers,
  settings: TransportSettings,
): TransportListener {
  const maxFrame = HEADER_SIZE + settings.limits.maxExtHeader + settings.limits.maxPayload
  const server: Server<WsConnection> = Bun.serve<WsConnection, never>({
    hostname: opts.hostname ?? '0.0.0.0',
    port: opts.port,
    reusePort: opts.reusePort,
    idleTimeout: Math.min(255, Math.max(1, Math.ceil((settings.upgradeTimeout ?? 10_000) / 1000))),
    fetch(req, srv) {
      if (req.headers.get('upgrade')?.toLowerCase() === 'websocket' && pathMatches(opts.path, req)) {
        const ip = srv.requestIP(req)?.address ?? ''
        const gate = settings.admitUpgrade?.(req, ip)
        if (gate instanceof Promise) return gate.then((g) => upgrade(req, srv, ip, g, settings))
        return upgrade(req, srv, ip, gate, settings)
      }
      if (opts.fetch) return opts.fetch(req, srv)
      return new Response('msgtrans: connect with a WebSocket', { status: 426 })
    },
    websocket: {
      maxPayloadLength: maxFrame,
      backpressureLimit: settings.maxQueuedBytes,
      closeOnBackpressureLimit: true,
      perMessageDeflate: false,
      sendPings: true,
      idleTimeout: 120,
      open(ws) {
        ws.data.ws = ws
        handlers.open(ws.data)
      },
      message(ws, message) {
        const conn = ws.data
        if (conn.closed) return
        if (typeof message === 'string') {
          const err = new ProtocolError('E_TEXT_FRAME', 'text frames are not msgtrans packets')
          return rejectFrame(conn, err, CloseCode.unsupportedData, settings)
        }
        let packet
        try {
          packet = decodeFrame(message, settings.limits)
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err
          return rejectFrame(conn, err, CloseCode.protocolError, settings)
        }
        deliverFrame(handlers, conn, packet)
      },
      drain(ws) {
        ws.data.onDrain()
      },
      close(ws, code, reason) {
        ws.data.closed = true
        handlers.close(ws.data, ws.data.closeReason ? CloseCode.policy : code, ws.data.closeReason || reason)
      },
    },
  })
  return {
    transport: 'ws',
    port: server.port!,
    stop(closeActive = false) {
      void server.stop(closeActive)
    },
  }
}

/**
 * Hands a packet from decodeFrame() to the server; one copied into the frame arena is
 * delivered with the arena on loan (see frame-arena.ts).
 *
 * @example
 * deliverFrame(handlers, conn, decodeFrame(message, limits))
 */
export function deliverFrame(handlers: TransportHandlers, conn: Connection, packet: Packet): void {
  const lender = frameLender()
  if (!lender) return handlers.packet(conn, packet)
  const outer = beginLend(lender)
  try {
    handlers.packet(conn, packet)
  } finally {
    endLend(outer, lender)
  }
}

function upgrade(
  req: Request,
  srv: Server<WsConnection>,
  ip: string,
  admission: unknown,
  settings: TransportSettings,
): Response | undefined {
  if (admission instanceof Response) return admission
  const offered = req.headers.get('sec-websocket-protocol') ?? ''
  const echo = offered.split(',').some((p) => p.trim() === SUBPROTOCOL)
  const conn = new WsConnection(ip, settings.maxQueuedBytes)
  conn.admission = admission
  const headers = echo ? { 'Sec-WebSocket-Protocol': SUBPROTOCOL } : undefined
  if (srv.upgrade(req, { data: conn, headers })) return undefined
  return new Response('websocket upgrade failed', { status: 400 })
}

function rejectFrame(
  conn: WsConnection,
  err: ProtocolError,
  code: number,
  settings: TransportSettings,
): void {
  settings.log(`ws ${conn.remoteAddress}: closing, ${err.message}`)
  conn.ws.sendBinary(protocolErrorNotice(err), false)
  conn.close(code, err.message)
}

function pathMatches(path: string | undefined, req: Request): boolean {
  return path === undefined || new URL(req.url).pathname === path
}
