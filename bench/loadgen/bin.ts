/**
 * Where the Rust load generator lives: built by scripts/setup.d/loadgen.sh into
 * ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-loadgen/<key>/msgtrans-loadgen (see
 * scripts/cargo-cache.ts); built on first use when missing.
 */
import { join } from 'node:path'
import { cargoCacheDir, cargoSourceKey, ensureBuilt } from '../../scripts/cargo-cache.ts'

const project = import.meta.dir

/** Hash of the load generator's sources: a new key means a rebuild. */
export function loadgenKey(): string {
  return cargoSourceKey(project)
}

/** Path of the built binary, building it first if needed (about a minute cold). */
export function loadgenBinary(): string {
  const bin = join(cargoCacheDir('msgtrans-loadgen', project), 'msgtrans-loadgen')
  ensureBuilt([bin], 'loadgen.sh', 'loadgen: building the Rust load generator')
  return bin
}
