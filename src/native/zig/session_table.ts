import { ptr as pointerOf, type Pointer } from 'bun:ffi'
import { check, NativeError } from '../errors.ts'
import type { RawLib } from '../ffi.ts'
import { Status } from '../symbols.ts'
import {
  sessionTableDefaults,
  type SessionInfo,
  type SessionStats,
  type SessionTable,
  type SessionTableConfig,
} from '../types.ts'

function resolve(config: SessionTableConfig): Required<SessionTableConfig> {
  return { ...sessionTableDefaults, ...config }
}

/**
 * The Zig session table through bun:ffi. Owns its native pointer: `close()` destroys a
 * private table or detaches from a shared one; any use after close throws.
 *
 * @example
 * const table = ZigSessionTable.attach(lib, 0) // same table in every Worker
 * const h = table.insert({ owner: 1, transport: 0, tag: 7 })
 * table.owner(h) // 1
 */
export class ZigSessionTable implements SessionTable {
  readonly #lib: RawLib
  #table: Pointer | 0
  readonly #release: () => void
  readonly #info = new Uint32Array(4)
  readonly #infoPtr: Pointer
  readonly #stats = new BigUint64Array(4)
  readonly #statsPtr: Pointer

  private constructor(lib: RawLib, table: Pointer, release: () => void) {
    this.#lib = lib
    this.#table = table
    this.#release = release
    this.#infoPtr = pointerOf(this.#info)
    this.#statsPtr = pointerOf(this.#stats)
  }

  /** A private table, freed by close(). */
  static create(lib: RawLib, config: SessionTableConfig = {}): ZigSessionTable {
    const c = resolve(config)
    const out = new BigUint64Array(1)
    const code = lib.msgtrans_session_table_create(
      c.initialCapacity, c.maxCapacity, c.growthPercent, out,
    )
    check(code, 'session table create')
    const table = Number(out[0]) as Pointer
    return new ZigSessionTable(lib, table, () => {
      lib.msgtrans_session_table_destroy(table)
    })
  }

  /** The process-wide table `id` (0..15) shared by all Workers; first config wins. */
  static attach(lib: RawLib, id: number, config: SessionTableConfig = {}): ZigSessionTable {
    const c = resolve(config)
    const out = new BigUint64Array(1)
    const code = lib.msgtrans_session_table_attach(
      id, c.initialCapacity, c.maxCapacity, c.growthPercent, out,
    )
    check(code, 'session table attach')
    return new ZigSessionTable(lib, Number(out[0]) as Pointer, () => {
      lib.msgtrans_session_table_detach(id)
    })
  }

  #ptr(): Pointer {
    if (this.#table === 0) throw new Error('msgtrans: SessionTable used after close()')
    return this.#table
  }

  insert(info: SessionInfo): number {
    const { owner, transport, tag } = info
    const h = this.#lib.msgtrans_session_insert(this.#ptr(), owner, transport, tag)
    if (typeof h !== 'number' || h <= 0) throw new NativeError(Number(h), 'session insert')
    return h
  }

  lookup(handle: number): SessionInfo | null {
    const code = this.#lib.msgtrans_session_lookup(this.#ptr(), handle, this.#infoPtr)
    if (code !== Status.ok) return notLive(code, 'session lookup')
    const i = this.#info
    return { owner: i[0]!, transport: i[1]!, tag: i[2]! }
  }

  owner(handle: number): number {
    const code = this.#lib.msgtrans_session_owner(this.#ptr(), handle)
    return code >= 0 ? code : notLive(code, 'session owner') ?? -1
  }

  remove(handle: number): boolean {
    const code = this.#lib.msgtrans_session_remove(this.#ptr(), handle)
    return code === Status.ok || (notLive(code, 'session remove') ?? false)
  }

  removeOwner(owner: number): number {
    const n = this.#lib.msgtrans_session_remove_owner(this.#ptr(), owner >>> 0)
    if (n < 0) throw new NativeError(n, 'session removeOwner')
    return n
  }

  ownedBy(owner: number): number[] {
    // Sized from the live count; a second call when sessions arrived in between.
    for (let room = Math.max(16, this.size + 16); ; room *= 2) {
      const out = new BigUint64Array(room)
      const n = this.#lib.msgtrans_session_list_owner(this.#ptr(), owner >>> 0, out, room)
      if (n < 0) throw new NativeError(n, 'session ownedBy')
      if (n <= room) return Array.from(out.subarray(0, n), Number)
    }
  }

  recordIo(handle: number, inbound: boolean, bytes: number): boolean {
    const t = this.#ptr()
    const code = this.#lib.msgtrans_session_record_io(t, handle, inbound ? 1 : 0, bytes)
    return code === Status.ok || (notLive(code, 'session recordIo') ?? false)
  }

  stats(handle: number): SessionStats | null {
    const code = this.#lib.msgtrans_session_stats(this.#ptr(), handle, this.#statsPtr)
    if (code !== Status.ok) return notLive(code, 'session stats')
    const s = this.#stats
    return {
      msgsIn: Number(s[0]), msgsOut: Number(s[1]), bytesIn: Number(s[2]), bytesOut: Number(s[3]),
    }
  }

  get size(): number {
    return this.#lib.msgtrans_session_count(this.#ptr())
  }

  get capacity(): number {
    return this.#lib.msgtrans_session_capacity(this.#ptr())
  }

  close(): void {
    if (this.#table === 0) return
    this.#table = 0
    this.#release()
  }
}

/** Unknown, stale and malformed handles are "not live" (null); anything else throws. */
function notLive(code: number, what: string): null {
  if (code === Status.not_found || code === Status.stale || code === Status.invalid_argument) {
    return null
  }
  throw new NativeError(code, what)
}
