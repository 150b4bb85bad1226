/**
 * Where the Rust interop peer binaries live. scripts/setup.d/interop.sh builds them
 * into ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-interop/<key>/ where <key> hashes
 * Cargo.toml, Cargo.lock and src/*.rs exactly as computed here; when they are
 * missing (a plain `bun test` on a fresh machine) we run that script once.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const project = import.meta.dir
const root = join(project, '..', '..')

export function interopKey(): string {
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

export type InteropBinaries = { plain: string; compress: string }

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'msgtrans-interop', interopKey())
}

/** Paths of both builds, building them first if needed (can take minutes cold). */
export function interopBinaries(): InteropBinaries {
  const dir = cacheDir()
  const bins = { plain: join(dir, 'interop'), compress: join(dir, 'interop-compress') }
  if (existsSync(bins.plain) && existsSync(bins.compress)) return bins
  const script = join(root, 'scripts', 'setup.d', 'interop.sh')
  const r = Bun.spawnSync(['bash', script], { stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0 || !existsSync(bins.plain) || !existsSync(bins.compress)) {
    throw new Error(`interop: building the Rust peers failed (${script}, exit ${r.exitCode})`)
  }
  return bins
}
