/**
 * The interfaces every native-core implementation provides: the Zig library through
 * bun:ffi, and the pure-TS fallback. The server codes against these only.
 */

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

/**
 * Process-wide table of live sessions keyed by generational handles. A handle is a
 * positive safe integer; a removed handle never looks up again (stale ⇒ null).
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
  /** Removes a live session; false when the handle is unknown or stale. */
  remove(handle: number): boolean
  /** Number of live sessions. */
  readonly size: number
}

/** A loaded native core (Zig through FFI, or the pure-TS fallback). */
export interface NativeCore {
  readonly kind: 'zig' | 'ts'
  readonly version: string
  /** The process-wide session table. */
  readonly sessions: SessionTable
}
