import { decodePacket, ProtocolError, type Limits, type SendResult } from '../protocol/index.ts'
import { retryRefused, type ClientLink, type LinkEvents, type LinkOptions } from './link.ts'

/**
 * Opens a v1 link over WebSocket with the standard WebSocket API (Bun and browsers):
 * one binary frame per packet. Offers subprotocol `msgtrans.v1` only when asked.
 *
 * @example
 * const link = await openWsLink('ws://127.0.0.1:7002', limits, events)
 */
export async function openWsLink(
  url: string,
  limits: Limits,
  events: LinkEvents,
  opts: LinkOptions = {},
): Promise<ClientLink> {
  const maxQueued = opts.maxQueuedBytes ?? 32 * 1024 * 1024
  const ws = await retryRefused(() => openSocket(url, opts.subprotocol), opts.connectTimeout ?? 5_000)
  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') return ws.close(1003, 'E_TEXT_FRAME: text frames are not packets')
    try {
      events.packet(decodePacket(new Uint8Array(ev.data as ArrayBuffer), limits))
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      ws.close(1002, err.message.slice(0, 120))
    }
  }
  ws.onclose = (ev) => events.close(ev.code, ev.reason)
  return {
    write(packet: Uint8Array): SendResult {
      if (ws.readyState !== WebSocket.OPEN) return 'dropped'
      if (ws.bufferedAmount + packet.length > maxQueued) return 'dropped'
      const before = ws.bufferedAmount
      ws.send(packet)
      return ws.bufferedAmount > before ? 'queued' : 'sent'
    },
    close(code = 1000, reason = '') {
      ws.close(code, reason)
    },
    get bufferedAmount() {
      return ws.bufferedAmount
    },
  }
}

function openSocket(url: string, subprotocol?: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = subprotocol ? new WebSocket(url, 'msgtrans.v1') : new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    ws.onopen = () => resolve(ws)
    ws.onerror = (ev) => {
      const msg = (ev as ErrorEvent).message ?? 'websocket error'
      reject(Object.assign(new Error(`msgtrans: cannot open ${url}: ${msg}`), { code: codeOf(msg) }))
    }
  })
}

function codeOf(message: string): string | undefined {
  if (/refused/i.test(message)) return 'ECONNREFUSED'
  return /connection ended|reset|hang up/i.test(message) ? 'ECONNRESET' : undefined
}
