import type { MessagePort } from 'node:worker_threads'
import type { ClusterHooks } from '../app/cluster-hooks.ts'
import type { Server } from '../app/server.ts'
import type { SessionTable } from '../native/index.ts'
import {
  encodeBody,
  encodeOutbound,
  ErrorCode,
  jsonCodec,
  MsgtransError,
  outboundFields,
  PacketType,
  ROUTE_FLAGS,
  routeExt,
  type Packet,
  type SendOptions,
  type SendResult,
  type Target,
} from '../protocol/index.ts'
import type { Connection } from '../transport/index.ts'
import type { PeerMessage } from './messages.ts'
import type { NativeDelivery } from './native-delivery.ts'
import { Peer } from './peer.ts'

interface Waiting {
  peer: number
  resolve(p: Packet): void
  reject(e: Error): void
  timer: ReturnType<typeof setTimeout>
}

/** See ClusterLink.stats(). */
export interface ClusterLinkStats {
  worker: number
  /** How sends and publishes travel: the native MPSC queues or postMessage (TS core). */
  path: 'native-queue' | 'postMessage'
  peers: number[]
  /** postMessage batches sent to peers (each one wakes a peer). */
  wakeups: number
  /** Messages carried in those batches (control messages, or everything on postMessage). */
  peerMessages: number
  /** Messages this worker took from its native inbox. */
  nativeDelivered: number
  /** Native pushes refused (peer queue or buffer tier full), reported as 'dropped'. */
  nativeFull: number
  /** Pooled buffers still held by a TCP write queue. */
  deferredBuffers: number
  /** Messages for sessions that were gone when they arrived. */
  undeliverable: number
  pendingRequests: number
}

/** Remote session owners one worker remembers (cleared when full). */
export const MAX_OWNER_CACHE = 65_536

/** Cross-worker requests one worker may have outstanding. */
export const MAX_CROSS_REQUESTS = 65_536

/**
 * One worker's side of the cluster: routes sends, requests, closes and publishes for
 * sessions of other workers (owner from the shared session table) and serves theirs.
 *
 * @example
 * server.cluster = new ClusterLink(index, table, server, new NativeDelivery(core, index, wake))
 */
export class ClusterLink implements ClusterHooks {
  readonly #peers = new Map<number, Peer>()
  readonly #waiting = new Map<number, Waiting>()
  /**
   * Owners of remote sessions seen lately. A session never changes owner and a handle is
   * never reused, so an entry can only go stale when its owner dies: peerDown purges it.
   * (A session that closed normally is dropped by its owner, as the table would say.)
   */
  readonly #owners = new Map<number, number>()
  #nextReq = 1
  /** Cross-worker messages this worker received and could not deliver (session gone). */
  undeliverable = 0

  constructor(
    readonly index: number,
    readonly sessions: SessionTable,
    readonly server: Server,
    /** The native data path (sends and publishes by buffer ref); null: postMessage only. */
    readonly native: NativeDelivery | null = null,
  ) {}

  /** Counters of this worker's cross-worker traffic (for metrics and the docs' figures). */
  stats(): ClusterLinkStats {
    const t = this.traffic
    return {
      worker: this.index,
      path: this.native ? 'native-queue' : 'postMessage',
      peers: this.peers,
      wakeups: t.wakeups,
      peerMessages: t.messages,
      nativeDelivered: this.native?.delivered ?? 0,
      nativeFull: this.native?.full ?? 0,
      deferredBuffers: this.native?.deferred ?? 0,
      undeliverable: this.undeliverable,
      pendingRequests: this.#waiting.size,
    }
  }

  /** NativeDelivery's nudge: this worker made `peer`'s inbox non-empty. */
  wake = (peer: number): void => {
    this.#peers.get(peer)?.push({ t: 'wake' })
  }

  /** Peer ids this worker can reach. */
  get peers(): number[] {
    return [...this.#peers.keys()]
  }

  /** Wake-ups (postMessage batches) and messages sent to peers so far. */
  get traffic(): { wakeups: number; messages: number } {
    let wakeups = 0
    let messages = 0
    for (const p of this.#peers.values()) (wakeups += p.wakeups), (messages += p.carried)
    return { wakeups, messages }
  }

  addPeer(index: number, port: MessagePort): void {
    this.#peers.get(index)?.close()
    const peer = new Peer(index, port)
    this.#peers.set(index, peer)
    port.on('message', (batch: PeerMessage[]) => {
      for (const m of batch) this.#receive(peer, m)
    })
  }

  peerDown(index: number): void {
    for (const [id, owner] of this.#owners) if (owner === index) this.#owners.delete(id)
    this.#peers.get(index)?.close()
    this.#peers.delete(index)
    for (const [r, w] of this.#waiting) {
      if (w.peer !== index) continue
      this.#settle(r)?.reject(new MsgtransError(ErrorCode.closed, `worker ${index} went down`))
    }
  }

  send(id: number, target: Target, body?: unknown, opts?: SendOptions): SendResult {
    const peer = this.#ownerPeer(id)
    if (!peer) return 'dropped'
    if (this.native && typeof target === 'string' && opts === undefined) {
      // Hot path: a route name and no options, encoded without intermediate objects.
      const payload = encodeBody(body, jsonCodec)
      const ext = routeExt(target)
      const ok = this.native.sendParts(peer.index, id, this.server.bizOf(target), ROUTE_FLAGS, 0, ext, payload)
      return ok ? 'sent' : 'dropped'
    }
    const f = outboundFields(target, body, jsonCodec, opts, this.server.bizOf)
    if (this.native) return this.native.sendFields(peer.index, id, f) ? 'sent' : 'dropped'
    return peer.push({ t: 'send', id, p: encodeOutbound(f, PacketType.oneWay, 0) }) ? 'sent' : 'dropped'
  }

  request(id: number, target: Target, body?: unknown, opts?: SendOptions): Promise<Packet> {
    const peer = this.#ownerPeer(id)
    if (!peer) return Promise.reject(new MsgtransError(ErrorCode.closed, `no session ${id}`))
    if (this.#waiting.size >= MAX_CROSS_REQUESTS) {
      return Promise.reject(new MsgtransError(ErrorCode.overloaded, 'too many cross-worker requests'))
    }
    const f = outboundFields(target, body, jsonCodec, opts, this.server.bizOf)
    const timeout = opts?.timeout ?? this.server.requestTimeout
    const r = this.#nextReq++
    this.native?.flush(peer.index)
    return new Promise<Packet>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(r)?.reject(new MsgtransError(ErrorCode.timeout, `request to session ${id} timed out`))
      }, timeout + 1_000)
      this.#waiting.set(r, { peer: peer.index, resolve, reject, timer })
      const p = encodeOutbound(f, PacketType.request, 0)
      if (!peer.push({ t: 'req', id, p, r, timeout })) {
        this.#settle(r)?.reject(new MsgtransError(ErrorCode.overloaded, 'worker queue full'))
      }
    })
  }

  close(id: number, code?: number, reason?: string): boolean {
    const peer = this.#ownerPeer(id)
    if (!peer) return false
    // Sends queued natively this turn must reach the session before it closes.
    this.native?.flush(peer.index)
    return peer.push({ t: 'close', id, code, reason })
  }

  publish(topic: string, packet: Uint8Array): void {
    if (this.#peers.size === 0) return
    if (this.native) {
      const peers = [...this.#peers.values()]
      const results = this.native.publish(peers.map((p) => p.index), topic, packet)
      results.forEach((r, i) => r === 'wake' && peers[i]!.push({ t: 'wake' }))
      return
    }
    // One copy for all peers: the caller may reuse its (pooled) bytes after this returns.
    const p = packet.slice()
    for (const peer of this.#peers.values()) peer.push({ t: 'pub', topic, p })
  }

  #ownerPeer(id: number): Peer | undefined {
    let owner = this.#owners.get(id)
    if (owner === undefined) {
      owner = this.sessions.owner(id)
      if (owner < 0 || owner === this.index) return undefined
      if (this.#owners.size >= MAX_OWNER_CACHE) this.#owners.clear()
      this.#owners.set(id, owner)
    }
    return this.#peers.get(owner)
  }

  #receive(from: Peer, m: PeerMessage): void {
    switch (m.t) {
      case 'send': {
        const s = this.server.sessions.get(m.id)
        if (s) s.writeStamped(m.p)
        else this.undeliverable++
        return
      }
      case 'req':
        return this.#serveRequest(from, m)
      case 'res': {
        const w = this.#settle(m.r)
        if (!w) return
        if (m.packet) w.resolve(m.packet)
        else w.reject(new MsgtransError(m.error?.code ?? ErrorCode.handler, m.error?.message ?? 'failed'))
        return
      }
      case 'close':
        this.server.sessions.get(m.id)?.close(m.code, m.reason)
        return
      case 'pub':
        this.server.topics.deliver(m.topic, m.p)
        return
      case 'wake':
        this.drainInbox()
        return
    }
  }

  /** Delivers what other workers queued in this worker's native inbox. */
  drainInbox(): number {
    return this.native?.drain(this.#toSession, this.#toTopic) ?? 0
  }

  /** Writes in place; returns the connection when its write queue kept the bytes. */
  #toSession = (handle: number, bytes: Uint8Array, from: number, to: number): Connection[] | null => {
    const s = this.server.sessions.get(handle)
    if (!s) {
      this.undeliverable++
      return null
    }
    const r = s.writeStamped(bytes, from, to)
    return r === 'queued' && keepsViews(s.transport) ? [s.connection] : null
  }

  #toTopic = (topic: string, bytes: Uint8Array): Connection[] | null => {
    if (this.server.topics.deliver(topic, bytes).queued === 0) return null
    const held: Connection[] = []
    for (const s of this.server.sessions.values()) {
      if (keepsViews(s.transport) && s.topics.has(topic) && s.connection.bufferedAmount > 0) held.push(s.connection)
    }
    return held
  }

  #serveRequest(from: Peer, m: Extract<PeerMessage, { t: 'req' }>): void {
    const s = this.server.sessions.get(m.id)
    if (!s) {
      this.undeliverable++
      from.push({ t: 'res', r: m.r, error: { code: ErrorCode.closed, message: `no session ${m.id}` } })
      return
    }
    s.requestStamped(m.p, m.timeout).then(
      (packet) => from.push({ t: 'res', r: m.r, packet }),
      (e: Error) => {
        const code = e instanceof MsgtransError ? e.code : ErrorCode.handler
        from.push({ t: 'res', r: m.r, error: { code, message: e.message } })
      },
    )
  }

  #settle(r: number): Waiting | undefined {
    const w = this.#waiting.get(r)
    if (!w) return undefined
    this.#waiting.delete(r)
    clearTimeout(w.timer)
    return w
  }
}

/**
 * TCP and QUIC write queues keep views of the bytes they could not write yet (a pooled
 * buffer must outlive them); Bun's WebSocket copies what it buffers.
 */
function keepsViews(transport: string): boolean {
  return transport === 'tcp' || transport === 'quic'
}
