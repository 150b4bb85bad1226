import {
  decodeErrorBody,
  decompressPayload,
  encodeBody,
  ErrorCode,
  isErrorExt,
  jsonCodec,
  MessageIdCounter,
  MsgtransError,
  outboundFields,
  packetSizeAt,
  PacketType,
  PendingRequests,
  readResponse,
  routeExt,
  ROUTE_FLAGS,
  type BufferOwner,
  type Packet,
  type SendOptions,
  type SendResult,
  type Target,
} from '../protocol/index.ts'
import { writePacket, type Connection, type TransportName } from '../transport/index.ts'
import type { Subscriber } from './pubsub.ts'

/** What a session needs from its app. */
export interface SessionHost {
  bizOf(route: string): number
  subscribe(session: Session, topic: string): boolean
  unsubscribe(session: Session, topic: string): boolean
  requestTimeout: number
  maxPendingRequests: number
  /** Cap on a decompressed response payload. */
  maxDecompressed: number
}

/**
 * One connected peer. `data` is free per-session state for handlers.
 *
 * @example
 * app.onOpen(({ session }) => {
 *   session.data.joined = Date.now()
 *   session.subscribe('lobby')
 *   session.send('welcome', { id: session.id })
 * })
 */
export class Session<Data extends Record<string, unknown> = Record<string, any>> implements Subscriber {
  /** Free-form per-session state. */
  readonly data = {} as Data
  readonly topics = new Set<string>()
  /** Context fields shared by this session's handlers (built by the server on first use). */
  contextBase: Record<string, unknown> | undefined
  /** What `authenticate` returned for this peer (undefined without auth). */
  auth: unknown = undefined
  /** Requests this server sent to the peer, awaiting responses. */
  readonly pending: PendingRequests
  readonly #ids = new MessageIdCounter()

  constructor(
    /** Session id from the session table (positive integer, never reused while live). */
    readonly id: number,
    readonly connection: Connection,
    private readonly host: SessionHost,
  ) {
    this.pending = new PendingRequests(host.maxPendingRequests)
  }

  get transport(): TransportName {
    return this.connection.transport
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress
  }

  get closed(): boolean {
    return this.connection.closed
  }

  /**
   * Sends a one-way packet: JSON body by default, Uint8Array bodies as raw bytes.
   * Returns whether it was sent, queued behind earlier bytes, or dropped.
   */
  send(target: Target, body?: unknown, opts?: SendOptions): SendResult {
    const id = this.#ids.next()
    if (typeof target === 'string' && opts === undefined) {
      // Hot path: a route name and no options; encoded in place when the transport batches.
      const payload = encodeBody(body, jsonCodec)
      return writePacket(this.connection, PacketType.oneWay, this.host.bizOf(target), id, ROUTE_FLAGS, 0, routeExt(target), payload)
    }
    const f = outboundFields(target, body, jsonCodec, opts, this.host.bizOf)
    return writePacket(this.connection, PacketType.oneWay, f.biz, id, f.flags, f.compression, f.ext, f.payload)
  }

  /**
   * Sends a request to the peer and resolves with its decoded response body
   * (JSON, or a Uint8Array when `raw` is set). Rejects with MsgtransError on an
   * error response, timeout (default 10 s) or disconnect.
   */
  async request<T = unknown>(target: Target, body?: unknown, opts?: SendOptions & { raw?: boolean }): Promise<T> {
    return readResponse(await this.requestPacket(target, body, opts), this.host.maxDecompressed, opts?.raw) as T
  }

  /** Like request() but resolves with the raw response packet. */
  requestPacket(target: Target, body?: unknown, opts?: SendOptions): Promise<Packet> {
    const f = outboundFields(target, body, jsonCodec, opts, this.host.bizOf)
    const id = this.#ids.next()
    const reply = this.pending.add(id, opts?.timeout ?? this.host.requestTimeout)
    const written = writePacket(this.connection, PacketType.request, f.biz, id, f.flags, f.compression, f.ext, f.payload)
    if (written === 'dropped') {
      this.pending.fail(id, new MsgtransError(ErrorCode.closed, 'request could not be written'))
    }
    return reply
  }

  /**
   * Writes packets another worker encoded for this session (message id 0, one or more
   * back to back): stamps this session's next message ids into them first (the bytes
   * are ours; see src/cluster). TCP takes the run in one write; other transports get
   * one frame per packet.
   */
  writeStamped(packets: Uint8Array, from = 0, to = packets.length): SendResult {
    const conn = this.connection
    const tcp = conn.transport === 'tcp'
    const n = to - from
    if (tcp && n < COPY_RUN_BELOW && conn.reserve) {
      // A small TCP run is copied straight into the connection's batch, stamped there.
      const slot = conn.reserve(n)
      if (slot) {
        const dst = slot.bytes
        const at = slot.offset
        copyInto(dst, at, packets, from, n)
        for (let p = at; p < at + n; p += packetSizeAt(dst, p)) stampId(dst, this.#ids.next(), p)
        return conn.commitReserved!(n)
      }
    }
    // Frame transports: each packet copied into the connection's send space (no view
    // per packet); big TCP runs are written by reference instead.
    if (!tcp && conn.reserve) {
      let result: SendResult = 'sent'
      for (let off = from; off < to; ) {
        const size = packetSizeAt(packets, off)
        const slot = conn.reserve(size)
        if (!slot) return worse(result, this.#writeStampedViews(packets, off, to))
        copyInto(slot.bytes, slot.offset, packets, off, size)
        stampId(slot.bytes, this.#ids.next(), slot.offset)
        result = worse(result, conn.commitReserved!(size))
        off += size
      }
      return result
    }
    return this.#writeStampedViews(packets, from, to)
  }

  #writeStampedViews(packets: Uint8Array, from: number, to: number): SendResult {
    const tcp = this.connection.transport === 'tcp'
    let result: SendResult = 'sent'
    for (let off = from; off < to; ) {
      const size = packetSizeAt(packets, off)
      stampId(packets, this.#ids.next(), off)
      if (!tcp) result = worse(result, this.connection.write(packets.subarray(off, off + size)))
      off += size
    }
    return tcp ? this.connection.write(from === 0 && to === packets.length ? packets : packets.subarray(from, to)) : result
  }

  /** Like writeStamped() for a request: resolves with the peer's response packet. */
  requestStamped(packet: Uint8Array, timeout = this.host.requestTimeout): Promise<Packet> {
    const id = this.#ids.next()
    stampId(packet, id)
    const reply = this.pending.add(id, timeout)
    if (this.connection.write(packet) === 'dropped') {
      this.pending.fail(id, new MsgtransError(ErrorCode.closed, 'request could not be written'))
    }
    return reply
  }

  /** Writes an already encoded packet (used by publish; one encode, many writes). */
  writeEncoded(packet: Uint8Array, owner?: BufferOwner): SendResult {
    return this.connection.write(packet, owner)
  }

  /** Subscribes this session to a topic. */
  subscribe(topic: string): boolean {
    return this.host.subscribe(this, topic)
  }

  /** Unsubscribes this session from a topic. */
  unsubscribe(topic: string): boolean {
    return this.host.unsubscribe(this, topic)
  }

  /** Closes the connection (after queued bytes are written). */
  close(code?: number, reason?: string): void {
    this.connection.close(code, reason)
  }
}

/** Runs shorter than this are copied into a TCP connection's batch (one write per turn). */
const COPY_RUN_BELOW = 16 * 1024

/** Copies n bytes; short copies in a loop, which beats a view plus native copy. */
function copyInto(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n <= 256) for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!
  else dst.set(src.subarray(from, from + n), at)
}

/** message_id lives at bytes 4..7 of the v1 header, big-endian. */
function stampId(packet: Uint8Array, id: number, off = 0): void {
  packet[off + 4] = id >>> 24
  packet[off + 5] = (id >>> 16) & 0xff
  packet[off + 6] = (id >>> 8) & 0xff
  packet[off + 7] = id & 0xff
}

const SEVERITY: Record<SendResult, number> = { sent: 0, queued: 1, dropped: 2 }
const worse = (a: SendResult, b: SendResult): SendResult => (SEVERITY[b] > SEVERITY[a] ? b : a)
