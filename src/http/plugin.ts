import { Elysia } from 'elysia'
import type { Msgtrans, MsgtransConfig } from '../app/index.ts'
import { decodeFrame, DEFAULT_LIMITS, ProtocolError, type Limits } from '../protocol/index.ts'
import { protocolErrorNotice } from '../transport/protocol-close.ts'
import { CloseCode, deliverFrame, SUBPROTOCOL, WsConnection, type TransportHandlers } from '../transport/index.ts'

/** Options of the `msgtrans()` Elysia plugin. */
export interface MountOptions {
  /** WebSocket path inside the Elysia app (default '/ws'). */
  path?: string
  /** Config overrides for the mounted app (limits, timeouts...; tcp/ws are ignored). */
  config?: Partial<MsgtransConfig>
}

interface ElysiaSocket {
  data: object
  raw: {
    sendBinary(data: Uint8Array, compress?: boolean): number
    close(code?: number, reason?: string): void
  }
  remoteAddress: string
}

/**
 * Mounts a msgtrans app into an existing Elysia server as a `.ws()` route: one port for
 * both, each binary frame one v1 packet, the same routes, hooks and pub/sub as `listen()`.
 * Elysia owns the socket settings: raise `websocket.maxPayloadLength` (Bun's default is
 * 16 MiB) if packets may reach the msgtrans payload limit.
 *
 * @example
 * new Elysia().get('/', () => 'hi').use(msgtrans(chat, { path: '/ws' })).listen(3000)
 * // clients: connect('ws://host:3000/ws')
 */
export function msgtrans(app: Msgtrans<any, any, any, any>, opts: MountOptions = {}) {
  const path = opts.path ?? '/ws'
  const handlers = app.mount({ ...opts.config, tcp: undefined, ws: undefined })
  const limits: Limits = { ...DEFAULT_LIMITS, ...app.config.limits, ...opts.config?.limits }
  const log = opts.config?.log ?? app.config.log ?? ((m: string) => console.warn(`msgtrans: ${m}`))
  const conns = new WeakMap<object, WsConnection>()
  return new Elysia({ name: 'msgtrans', seed: path }).ws(path, {
    upgrade({ request, set }) {
      const offered = request.headers.get('sec-websocket-protocol') ?? ''
      if (!offered.split(',').some((p) => p.trim() === SUBPROTOCOL)) return
      set.headers['sec-websocket-protocol'] = SUBPROTOCOL
    },
    open(ws) {
      const sock = ws as unknown as ElysiaSocket
      const conn = new WsConnection(sock.remoteAddress ?? '')
      conn.ws = sock.raw as WsConnection['ws']
      conns.set(sock.data, conn)
      handlers.open(conn)
    },
    message(ws, message) {
      const conn = conns.get((ws as unknown as ElysiaSocket).data)
      if (conn && !conn.closed) onFrame(conn, message, limits, handlers, log)
    },
    close(ws, code, reason) {
      const data = (ws as unknown as ElysiaSocket).data
      const conn = conns.get(data)
      if (!conn) return
      conns.delete(data)
      conn.closed = true
      handlers.close(conn, code, reason)
    },
  })
}

function onFrame(
  conn: WsConnection,
  message: unknown,
  limits: Limits,
  handlers: TransportHandlers,
  log: (m: string) => void,
): void {
  // Elysia parses text frames (JSON and all), so anything not bytes was text.
  if (!(message instanceof Uint8Array)) {
    const err = new ProtocolError('E_TEXT_FRAME', 'text frames are not msgtrans packets')
    return reject(conn, err, CloseCode.unsupportedData, log)
  }
  let packet
  try {
    packet = decodeFrame(message, limits)
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err
    return reject(conn, err, CloseCode.protocolError, log)
  }
  deliverFrame(handlers, conn, packet)
}

function reject(conn: WsConnection, err: ProtocolError, code: number, log: (m: string) => void): void {
  log(`ws ${conn.remoteAddress}: closing, ${err.message}`)
  conn.ws.sendBinary(protocolErrorNotice(err), false)
  conn.close(code, err.message)
}
