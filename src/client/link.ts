import type { Packet, SendResult } from '../protocol/index.ts'

/** A byte link the client core runs on (TCP socket, WebSocket, QUIC stream). */
export interface ClientLink {
  /** Writes one encoded packet. */
  write(packet: Uint8Array): SendResult
  /** Closes the link. */
  close(code?: number, reason?: string): void
  readonly bufferedAmount: number
}

/** Events a link delivers to the client core. */
export interface LinkEvents {
  packet(packet: Packet): void
  close(code: number, reason: string): void
}

/** Options shared by every link. */
export interface LinkOptions {
  /** Offer subprotocol `msgtrans.v1` (WebSocket; off by default: the Rust server refuses it). */
  subprotocol?: boolean
  /** Retry refused connects for this long, ms (servers may print "ready" before binding). */
  connectTimeout?: number
  /** Outbound bytes queued before sends are dropped. */
  maxQueuedBytes?: number
}

/**
 * Retries `attempt` with backoff until `timeoutMs` when the server is not there yet
 * (ECONNREFUSED) or dropped the connection before the handshake finished (ECONNRESET:
 * msgtrans-rust closes a WebSocket whose upgrade arrives after its 200 ms window).
 */
export async function retryRefused<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let delay = 10
  for (;;) {
    try {
      return await attempt()
    } catch (err) {
      const code = (err as { code?: string }).code
      const retry = code === 'ECONNREFUSED' || code === 'ECONNRESET' || /refused/i.test(String((err as Error).message))
      if (!retry || Date.now() + delay > deadline) throw err
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 250)
    }
  }
}
