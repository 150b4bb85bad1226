import type { BufferOwner, Limits, Packet, SendResult } from '../protocol/index.ts'
import type { OutboundBuffers } from './buffers.ts'

/** Transport names. */
export type TransportName = 'tcp' | 'ws' | 'quic'

/** One peer connection as the app layer sees it, whatever carries it. */
export interface Connection {
  readonly transport: TransportName
  readonly remoteAddress: string
  /** Outbound bytes accepted but not yet handed to the kernel. */
  readonly bufferedAmount: number
  readonly closed: boolean
  /**
   * Writes one encoded packet. When the bytes live in a shared (pooled) buffer, pass its
   * `owner`: a transport that keeps the bytes past this call retains it until written.
   */
  write(packet: Uint8Array, owner?: BufferOwner): SendResult
  /**
   * Optional in-place encoding: space for an `n`-byte packet in the connection's
   * outbound batch (write at `offset`, then commitReserved(n)), or null.
   */
  reserve?(n: number): { bytes: Uint8Array; offset: number } | null
  /** Completes reserve(). */
  commitReserved?(n: number): SendResult
  /**
   * Optional: writes a packet as header bytes then payload bytes, in order, without
   * joining them. A transport that keeps the payload past this call retains `owner`.
   */
  writeParts?(head: Uint8Array, payload: Uint8Array, owner?: BufferOwner): SendResult
  /** Optional: where to encode a packet too big for reserve() (then write(bytes, buffer)). */
  readonly buffers?: OutboundBuffers
  /** Closes the connection; `code` is a WebSocket close code, `reason` a short text. */
  close(code?: number, reason?: string): void
}

/** Callbacks a transport drives. */
export interface TransportHandlers {
  open(conn: Connection): void
  packet(conn: Connection, packet: Packet): void
  close(conn: Connection, code: number, reason: string): void
}

/** Settings every transport shares. */
export interface TransportSettings {
  limits: Limits
  /** Bound on outbound bytes queued per connection before it is closed as too slow. */
  maxQueuedBytes: number
  /** Called with a reason whenever a connection is closed for bad input. */
  log(message: string): void
  /**
   * Asked before a WebSocket upgrade: a Response refuses it (sent as is); any other value
   * rides on the connection as `admission` (e.g. the identity from upgrade-time auth).
   */
  admitUpgrade?(req: Request, remoteAddress: string): unknown
  /** Ms an HTTP connection may idle before its upgrade completes (slowloris bound). */
  upgradeTimeout?: number
  /**
   * 'throughput' (default): small TCP writes of one event-loop turn are corked into one
   * socket write. 'latency': every packet is written at once.
   */
  batching?: 'throughput' | 'latency'
  /** Largest corked batch in bytes (default 64 KiB). */
  batchBytes?: number
  /** Pool for outbound batches and big packets (default: heap allocations). */
  buffers?: OutboundBuffers
}

/** A listening transport. */
export interface TransportListener {
  readonly transport: TransportName
  readonly port: number
  /** Stops accepting; with `closeActive` also closes open connections. */
  stop(closeActive?: boolean): void
}

/** WebSocket close codes used by the transports. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
} as const
