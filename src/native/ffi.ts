/**
 * The raw layer: opens libmsgtrans with the one symbol table. Speaks pointers and status
 * codes; only the typed classes in src/native/zig/ use it.
 */
import { dlopen } from 'bun:ffi'
import { symbols } from './symbols.ts'

/** The bound native functions. */
export type RawLib = ReturnType<typeof dlopen<typeof symbols>>['symbols']

/** An opened library: its functions and where it came from. */
export interface RawLibrary {
  readonly lib: RawLib
  readonly path: string
}

const opened = new Map<string, RawLibrary>()

/**
 * Opens (once per path and thread) the library at `path`; throws if it cannot be loaded
 * or lacks a symbol.
 *
 * @example
 * const { lib } = openRaw('/abs/libmsgtrans.so')
 * lib.msgtrans_version()
 */
export function openRaw(path: string): RawLibrary {
  let entry = opened.get(path)
  if (!entry) {
    entry = { lib: dlopen(path, symbols).symbols, path }
    opened.set(path, entry)
  }
  return entry
}
