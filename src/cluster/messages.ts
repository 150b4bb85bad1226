import type { Packet } from '../protocol/index.ts'

/** Worker ↔ worker messages, carried in batches (one postMessage per batch). */
export type PeerMessage =
  /** One-way packet for session `id` (message id 0: the owner stamps its own). */
  | { t: 'send'; id: number; p: Uint8Array }
  /** Request for session `id`; the owner answers with `res` carrying `r`. */
  | { t: 'req'; id: number; p: Uint8Array; r: number; timeout: number }
  | { t: 'res'; r: number; packet?: Packet; error?: { code: string; message: string } }
  | { t: 'close'; id: number; code?: number; reason?: string }
  /** An encoded publish for this worker's subscribers of `topic`. */
  | { t: 'pub'; topic: string; p: Uint8Array }
  /** The sender's push made this worker's native inbox non-empty: drain it. */
  | { t: 'wake' }

/**
 * Where a worker listens: fixed TCP/WS ports shared by every worker with SO_REUSEPORT,
 * and the UDP port of the one worker that serves QUIC (see ClusterQuic).
 */
export interface ClusterPorts {
  tcp?: number
  ws?: number
  quic?: number
}

/**
 * QUIC in a cluster: node:quic cannot share a UDP port between Workers (docs/quic.md,
 * defect 6), so one worker serves it, with the identity the primary loaded or generated.
 */
export interface ClusterQuic {
  /** Index of the worker that binds the QUIC port. */
  worker: number
  /** Certificate chain, PEM. */
  cert: string
  /** Private key, PKCS#8 PEM. */
  key: string
}

/** What the primary hands each worker at spawn (its workerData). */
export interface WorkerInit {
  index: number
  count: number
  incarnation: number
  ports: ClusterPorts
  /** CPU to pin to, -1: none. */
  cpu: number
  /** The fallback's shared session table (null when the Zig core is in use). */
  table: SharedArrayBuffer | null
  /** Who serves QUIC and with which certificate (null: no QUIC configured). */
  quic: ClusterQuic | null
}

/** Primary → worker. */
export type ToWorker =
  | { t: 'peer'; index: number; port: import('node:worker_threads').MessagePort }
  /** Worker `index` died; acknowledge with `downAck` once nothing more goes to it. */
  | { t: 'down'; index: number; seq: number }
  | { t: 'drain'; deadlineMs: number }

/** Worker → primary. */
export type ToPrimary =
  | { t: 'ready'; index: number; cpu: number; pinned: boolean; native: 'zig' | 'ts' }
  | { t: 'failed'; index: number; error: string }
  /** This worker has stopped routing to the dead worker of `down` number `seq`. */
  | { t: 'downAck'; index: number; seq: number }
  | { t: 'drained'; index: number; result: import('../app/drain.ts').DrainResult }

/** Key of the workerData entry that marks a msgtrans cluster worker. */
export const WORKER_DATA_KEY = 'msgtransCluster'
