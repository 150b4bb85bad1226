import type { NativeCore, SessionInfo, SessionTable } from './types.ts'

// Temporary in-process table so the server can run before the FFI loader lands.
class MapSessionTable implements SessionTable {
  #next = 1
  #map = new Map<number, SessionInfo>()
  insert(info: SessionInfo): number {
    const id = this.#next++
    this.#map.set(id, { ...info })
    return id
  }
  lookup(handle: number): SessionInfo | null {
    return this.#map.get(handle) ?? null
  }
  remove(handle: number): boolean {
    return this.#map.delete(handle)
  }
  get size(): number {
    return this.#map.size
  }
}

let core: NativeCore | undefined

/** Loads the native core once per thread (falls back to pure TS). */
export function loadNative(): NativeCore {
  core ??= { kind: 'ts', version: '0.1.0', sessions: new MapSessionTable() }
  return core
}
