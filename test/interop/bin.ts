/**
 * Where the Rust interop peer binaries live. scripts/setup.d/interop.sh builds them
 * into ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-interop/<key>/ where <key> hashes
 * Cargo.toml, Cargo.lock and src/*.rs (scripts/cargo-cache.ts); when they are
 * missing (a plain `bun test` on a fresh machine) we run that script once.
 */
import { join } from 'node:path'
import { cargoCacheDir, ensureBuilt } from '../../scripts/cargo-cache.ts'

const project = import.meta.dir

export type InteropBinaries = { plain: string; compress: string }

/** Paths of both builds, building them first if needed (can take minutes cold). */
export function interopBinaries(): InteropBinaries {
  const dir = cargoCacheDir('msgtrans-interop', project)
  const bins = { plain: join(dir, 'interop'), compress: join(dir, 'interop-compress') }
  ensureBuilt([bins.plain, bins.compress], 'interop.sh', 'interop: building the Rust peers')
  return bins
}
