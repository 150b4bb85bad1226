/**
 * Cached builds of this repo's small Cargo projects (the Rust load generator and the
 * interop peers). A build lives in ${XDG_CACHE_HOME:-$HOME/.cache}/<name>/<key>/, where
 * <key> hashes Cargo.toml, Cargo.lock and src/*.rs exactly as the setup.d scripts do.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dir, '..')

/** Hash of a Cargo project's sources: a new key means a rebuild. */
export function cargoSourceKey(project: string): string {
  const sources = readdirSync(join(project, 'src'))
    .filter((f) => f.endsWith('.rs'))
    .sort()
    .map((f) => `src/${f}`)
  const hasher = new Bun.CryptoHasher('sha256')
  for (const f of ['Cargo.toml', 'Cargo.lock', ...sources]) {
    hasher.update(`${f}\n`)
    hasher.update(readFileSync(join(project, f)))
  }
  return hasher.digest('hex').slice(0, 16)
}

/** The cache folder of a build named `name` of `project`. */
export function cargoCacheDir(name: string, project: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, name, cargoSourceKey(project))
}

/**
 * Returns when every path exists, running scripts/setup.d/<script> once first if one is
 * missing (a plain `bun test` on a fresh machine); throws when the build fails.
 */
export function ensureBuilt(paths: string[], script: string, what: string): void {
  if (paths.every((p) => existsSync(p))) return
  const file = join(root, 'scripts', 'setup.d', script)
  const r = Bun.spawnSync(['bash', file], { stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0 || !paths.every((p) => existsSync(p))) {
    throw new Error(`${what} failed (${file}, exit ${r.exitCode})`)
  }
}
