import type { Server } from './server.ts'

/** Live counts of everything a server holds per connection (for leak checks and soak). */
export interface ServerStats {
  sessions: number
  connections: number
  topics: number
  subscriptions: number
  /** Inbound handlers still running. */
  inflight: number
  /** Server→client requests awaiting answers. */
  pendingToClients: number
  /** Sessions that have not authenticated yet. */
  awaitingAuth: number
  /** Sessions holding rate-limit buckets. */
  rateBuckets: number
  /** Outbound bytes queued in user space across sessions. */
  queuedBytes: number
}

/** Counts a server's per-connection state. */
export function serverStats(server: Server): ServerStats {
  let subscriptions = 0
  let pendingToClients = 0
  let queuedBytes = 0
  for (const s of server.sessions.values()) {
    subscriptions += s.topics.size
    pendingToClients += s.pending.size
    queuedBytes += s.closed ? 0 : s.connection.bufferedAmount
  }
  return {
    sessions: server.sessions.size,
    connections: server.guards.limiter.total,
    topics: server.topics.names().length,
    subscriptions,
    inflight: server.guards.inflight.total,
    pendingToClients,
    awaitingAuth: server.guards.auth.waiting,
    rateBuckets: server.guards.rate.size,
    queuedBytes,
  }
}
