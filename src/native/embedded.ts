/**
 * The native library embedded in a `bun build --compile` executable. The build step
 * (src/build/compile.ts) prepends a module that imports libmsgtrans with
 * `{ type: 'file' }` and stores the resulting `/$bunfs/...` path under a global
 * symbol, so any copy of msgtrans bundled into the binary finds it without sharing a
 * module instance with the build-generated code.
 */
import type * as Fs from 'node:fs'
import type * as Os from 'node:os'
import type * as Path from 'node:path'

// node:fs and node:path are loaded only when a library must be extracted (every module
// loaded at startup stays in the heap, and each collection walks it).
const fs = () => require('node:fs') as typeof Fs
const join = (...parts: string[]) => (require('node:path') as typeof Path).join(...parts)
const tmpdir = () => (require('node:os') as typeof Os).tmpdir()

/** Global key under which a compiled binary registers its embedded library path. */
export const EMBEDDED_LIBRARY_KEY = Symbol.for('msgtrans.native.embeddedLibrary')

/**
 * Path of the library embedded into this executable, or undefined when not compiled
 * with one (plain `bun run`, or `compile({ native: false })`).
 *
 * @example
 * embeddedLibrary() // '/$bunfs/root/libmsgtrans-dpng9f4f.so' inside a compiled binary
 */
export function embeddedLibrary(): string | undefined {
  const path = (globalThis as Record<symbol, unknown>)[EMBEDDED_LIBRARY_KEY]
  return typeof path === 'string' && path.length > 0 ? path : undefined
}

/**
 * Opens the embedded library with `open`. Bun's dlopen extracts `/$bunfs` files by
 * itself (1.3.13, 1.4.x); some releases did not, so on failure the bytes are copied to
 * a private per-user directory (mode 0700, named by content hash, reused) and opened
 * from there. Throws when both fail; the loader turns that into the TS fallback.
 *
 * @example
 * const raw = openEmbedded(embeddedLibrary()!, openRaw)
 */
export function openEmbedded<T>(path: string, open: (path: string) => T): T {
  try {
    return open(path)
  } catch (direct) {
    try {
      return open(materialize(path))
    } catch (copied) {
      throw new Error(`${(direct as Error).message}; extracted copy: ${(copied as Error).message}`)
    }
  }
}

/** Writes the embedded bytes to a real file that dlopen can map. */
export function materialize(path: string, root: string = tmpdir()): string {
  const { readFileSync, renameSync, writeFileSync } = fs()
  const bytes = readFileSync(path)
  const name = `libmsgtrans-${Bun.hash(bytes).toString(16)}${path.slice(path.lastIndexOf('.'))}`
  const dir = privateDir(root)
  const target = join(dir, name)
  if (sameBytes(target, bytes)) return target
  const partial = `${target}.${process.pid}.tmp`
  writeFileSync(partial, bytes, { mode: 0o700 })
  renameSync(partial, target)
  return target
}

/** A directory only this user can write: shared /tmp must not let others plant a library. */
function privateDir(root: string): string {
  const { chmodSync, mkdirSync, mkdtempSync, statSync } = fs()
  const uid = process.getuid?.() ?? 0
  const dir = join(root, `msgtrans-${uid}`)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = statSync(dir)
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0) return dir
  } catch {
    // fall through to a fresh directory
  }
  const fresh = mkdtempSync(join(root, 'msgtrans-'))
  chmodSync(fresh, 0o700)
  return fresh
}

function sameBytes(file: string, bytes: Uint8Array): boolean {
  try {
    const existing = fs().readFileSync(file)
    return existing.length === bytes.length && Buffer.compare(existing, bytes) === 0
  } catch {
    return false
  }
}
