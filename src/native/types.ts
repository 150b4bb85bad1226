/**
 * The interfaces every native-core implementation provides: the Zig library through
 * bun:ffi, and the pure-TS fallback. The server codes against these only.
 */
import type { BufferPool } from './buffer_types.ts'
import type { Metrics } from './metrics_types.ts'
import type { Numa } from './numa_types.ts'
import type { WorkerQueue } from './queue_types.ts'

/** Transport kind stored in a session entry. */
export const TransportKind = { tcp: 0, ws: 1, quic: 2 } as const
export type TransportKind = (typeof TransportKind)[keyof typeof TransportKind]

/** What the session table stores for routing one session. */
export interface SessionInfo {
  /** Worker index that owns the socket. */
  owner: number
  /** TransportKind value. */
  transport: number
  /** Free-form application tag (u32). */
  tag: number
}

/** Per-session traffic counters kept in the table. */
export interface SessionStats {
  msgsIn: number
  msgsOut: number
  bytesIn: number
  bytesOut: number
}

/** Sizing of a session table. */
export interface SessionTableConfig {
  /** Slots allocated up front (default 10,000). */
  initialCapacity?: number
  /** Hard limit; insert throws E_FULL beyond it (default 1,048,576, at most 2^26). */
  maxCapacity?: number
  /** Each growth step adds this % of the current capacity (default 100). */
  growthPercent?: number
}

/** Defaults shared by both implementations. */
export const sessionTableDefaults: Required<SessionTableConfig> = {
  initialCapacity: 10_000,
  maxCapacity: 1 << 20,
  growthPercent: 100,
}

/**
 * Sizing for a production server: 100,000 slots up front (6.4 MB), room for 4M.
 *
 * @example
 * loadNative({ sessions: sessionTableProduction })
 */
export const sessionTableProduction: Required<SessionTableConfig> = {
  initialCapacity: 100_000,
  maxCapacity: 1 << 22,
  growthPercent: 50,
}

/**
 * Handle bit layout (same in Zig and TS): handle = generation * 2^26 + index, with
 * index < 2^26 and generation in 1..2^27-1, so every handle is a positive safe integer
 * below 2^53. A removed handle never looks up again (stale ⇒ null).
 */
export const HANDLE_INDEX_BITS = 26
export const HANDLE_MAX_GENERATION = 2 ** 27 - 1

/**
 * Process-wide table of live sessions keyed by generational handles.
 *
 * @example
 * const id = table.insert({ owner: 0, transport: TransportKind.tcp, tag: 0 })
 * table.lookup(id) // { owner: 0, transport: 0, tag: 0 }
 * table.remove(id) // true
 * table.lookup(id) // null
 */
export interface SessionTable {
  /** Inserts a session; throws NativeError('E_FULL') when at max capacity. */
  insert(info: SessionInfo): number
  /** Routing data of a live session, or null for unknown/stale handles. */
  lookup(handle: number): SessionInfo | null
  /** Owner worker of a live session, or -1: the allocation-free routing lookup. */
  owner(handle: number): number
  /** Removes a live session; false when the handle is unknown or stale. */
  remove(handle: number): boolean
  /**
   * Removes every live session whose owner is `owner` (a worker that died) and returns
   * how many. Safe beside other workers' inserts and removes; a removed handle stays
   * dead, exactly as after `remove`.
   *
   * @example
   * table.removeOwner(3) // 12: worker 3's sessions are gone, nobody routes to them
   */
  removeOwner(owner: number): number
  /**
   * Handles of `owner`'s live sessions (a snapshot; scans the table).
   *
   * @example
   * table.ownedBy(0) // [67108864, 67108865]
   */
  ownedBy(owner: number): number[]
  /** Counts one message of `bytes` received (inbound) or sent; false if not live. */
  recordIo(handle: number, inbound: boolean, bytes: number): boolean
  /** Traffic counters of a live session, or null. */
  stats(handle: number): SessionStats | null
  /** Number of live sessions. */
  readonly size: number
  /** Slots currently backed by memory (grows up to maxCapacity). */
  readonly capacity: number
  /** Releases this view (a shared table is freed when its last user closes). */
  close(): void
}

/**
 * A loaded native core (Zig through FFI, or the pure-TS fallback). With Zig, `sessions`,
 * `buffers`, `metrics` and `queue(id)` are the SAME objects in every Bun Worker of the
 * process; the TS fallback has one of each per thread.
 *
 * @example
 * const core = loadNative()
 * const ref = core.buffers.acquire(512)
 * if (core.queue(peer).push(handle, ref, 512, 0) === 'wake') peerPort.postMessage(0)
 */
export interface NativeCore {
  readonly kind: 'zig' | 'ts'
  readonly version: string
  /** The process-wide session table. */
  readonly sessions: SessionTable
  /** The process-wide buffer pool (created and prewarmed on first access). */
  readonly buffers: BufferPool
  /** Process-wide counters and latency histograms. */
  readonly metrics: Metrics
  readonly numa: Numa
  /** The inbox of worker `id` (0..255), created on first use with `capacity`. */
  queue(id: number, capacity?: number): WorkerQueue
  /** Where the library was loaded from (null for the TS fallback). */
  readonly libraryPath: string | null
}
