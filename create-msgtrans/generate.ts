import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'

/** The template this package copies (also usable as a local `bun create` template). */
export const TEMPLATE_DIR = join(import.meta.dir, 'template')
/** msgtrans version range written into new projects. */
export const DEFAULT_MSGTRANS = '^0.1.0'

/** Options of generate(). */
export interface GenerateOptions {
  /** Target directory; must not exist or be empty. */
  dir: string
  /** Package name (default: the directory's name). */
  name?: string
  /** Dependency spec for msgtrans: a range, `file:` path or tarball (default ^0.1.0). */
  msgtrans?: string
}

/**
 * Copies the template into `dir`, names the package, and points its msgtrans dependency
 * at `msgtrans`. Returns the absolute project directory.
 *
 * @example
 * generate({ dir: 'my-app' }) // then: cd my-app && bun install && bun test
 */
export function generate(options: GenerateOptions): string {
  const dir = resolve(options.dir)
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`create-msgtrans: ${dir} is not empty`)
  const name = options.name ?? toPackageName(basename(dir))
  cpSync(TEMPLATE_DIR, dir, { recursive: true })
  // npm drops .gitignore from published packages, so the template ships it without the dot.
  if (existsSync(join(dir, 'gitignore'))) renameSync(join(dir, 'gitignore'), join(dir, '.gitignore'))
  const manifestPath = join(dir, 'package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  manifest.name = name
  manifest.dependencies.msgtrans = options.msgtrans ?? DEFAULT_MSGTRANS
  manifest.scripts.build = `msgtrans-compile src/index.ts --outfile dist/${name.replace(/^@[^/]+\//, '')}`
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`)
  const readme = join(dir, 'README.md')
  writeFileSync(readme, readFileSync(readme, 'utf8').replaceAll('msgtrans-app', name))
  return dir
}

/** Lower-case, npm-safe name from a directory name. */
export function toPackageName(dir: string): string {
  const name = dir.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '')
  return name || 'msgtrans-app'
}
