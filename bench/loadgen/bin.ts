/**
 * Where the Rust load generator lives. scripts/setup.d/loadgen.sh builds it into
 * ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-loadgen/<key>/msgtrans-loadgen, where <key>
 * hashes Cargo.toml, Cargo.lock and src/*.rs exactly as computed here; when it is
 * missing (a plain `bun test` on a fresh machine) we run that script once.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

const project = import.meta.dir
const root = join(project, '..', '..')

/** Hash of the load generator's sources: a new key means a rebuild. */
export function loadgenKey(): string {
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

/** Path of the built binary, building it first if needed (about a minute cold). */
export function loadgenBinary(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  const bin = join(base, 'msgtrans-loadgen', loadgenKey(), 'msgtrans-loadgen')
  if (existsSync(bin)) return bin
  const script = join(root, 'scripts', 'setup.d', 'loadgen.sh')
  const r = Bun.spawnSync(['bash', script], { stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0 || !existsSync(bin)) {
    throw new Error(`loadgen: building the Rust load generator failed (${script}, exit ${r.exitCode})`)
  }
  return bin
}
