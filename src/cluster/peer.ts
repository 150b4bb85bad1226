import type { MessagePort } from 'node:worker_threads'
import type { PeerMessage } from './messages.ts'

/** Messages one worker may have queued for a peer before sends are dropped. */
export const MAX_PEER_BACKLOG = 65_536

/**
 * The outbound side of one worker → worker channel. Messages pushed within one turn go
 * out as one batch: the peer is woken (postMessage) only on the empty → non-empty edge
 * of this queue, never once per message.
 *
 * @example
 * const peer = new Peer(1, port)
 * peer.push({ t: 'close', id }) // posted at the end of this turn with everything else
 */
export class Peer {
  #out: PeerMessage[] = []
  /** postMessage calls (wake-ups) and messages carried, for the docs' cost figures. */
  wakeups = 0
  carried = 0

  constructor(
    readonly index: number,
    readonly port: MessagePort,
  ) {}

  /** Queues one message; false when the backlog is full (the caller reports 'dropped'). */
  push(msg: PeerMessage): boolean {
    const out = this.#out
    if (out.length >= MAX_PEER_BACKLOG) return false
    if (out.length === 0) queueMicrotask(this.#flush)
    out.push(msg)
    return true
  }

  #flush = (): void => {
    const batch = this.#out
    if (batch.length === 0) return
    this.#out = []
    this.wakeups++
    this.carried += batch.length
    this.port.postMessage(batch)
  }

  close(): void {
    this.#out = []
    this.port.close()
  }
}
