import type { SessionTable } from '../native/index.ts'
import type { Packet, SendOptions, SendResult, Target } from '../protocol/index.ts'

/**
 * What a server running inside a cluster worker asks of its cluster (src/cluster): ids
 * from the table every worker shares, and delivery to sessions owned by other workers.
 * The app layer only knows this interface; src/cluster implements it.
 */
export interface ClusterHooks {
  /** This worker's index (the `owner` stored in the session table). */
  readonly index: number
  /** The table shared by all workers of the process. */
  readonly sessions: SessionTable
  /** One-way send to a session of another worker. */
  send(id: number, target: Target, body?: unknown, opts?: SendOptions): SendResult
  /** Request to a session of another worker: resolves with its response packet. */
  request(id: number, target: Target, body?: unknown, opts?: SendOptions): Promise<Packet>
  /** Closes a session of another worker; false when no live worker owns it. */
  close(id: number, code?: number, reason?: string): boolean
  /** Hands an already encoded publish to the other workers' subscribers. */
  publish(topic: string, packet: Uint8Array): void
}
