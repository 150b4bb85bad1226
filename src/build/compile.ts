/**
 * Single-binary builds: `bun build --compile` of an app entry with libmsgtrans embedded.
 * A generated prelude imports the library with `{ type: 'file' }` (so the bundler puts
 * its bytes in the executable) and registers the `/$bunfs` path before the app runs;
 * the loader opens it at start and falls back to pure TS with a warning if it cannot.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EMBEDDED_LIBRARY_KEY } from '../native/embedded.ts'
import { nativeLibraryPath } from '../native/loader.ts'
import { platformLibrary } from '../native/platform.ts'

/** Options of compile(). */
export interface CompileOptions {
  /** The app's entry file (it calls `listen()`). */
  entry: string
  /** Where the executable is written. */
  outfile: string
  /**
   * Library to embed: a path, `false` for a pure-TS binary, or (default) the one this
   * machine would load: `MSGTRANS_NATIVE_LIB`, the dev build, or the platform package.
   */
  native?: string | false
  /** Bun compile target, e.g. `bun-linux-arm64` (then pass a `native` built for it). */
  target?: string
  /** Minify the bundled JS (default true). */
  minify?: boolean
  /** Bun executable that runs the build (default: the running one). */
  bun?: string
}

/** What compile() produced. */
export interface CompileResult {
  outfile: string
  /** Library embedded, or null for a pure-TS binary. */
  native: string | null
  bytes: number
  ms: number
}

/**
 * Compiles `entry` into one executable that needs no Bun, no Zig and no node_modules.
 *
 * @example
 * import { compile } from 'msgtrans/build'
 * const { outfile, native } = await compile({ entry: 'src/server.ts', outfile: 'dist/app' })
 */
export async function compile(options: CompileOptions): Promise<CompileResult> {
  const started = performance.now()
  const entry = resolve(options.entry)
  const outfile = resolve(options.outfile)
  if (!existsSync(entry)) throw new Error(`msgtrans compile: entry ${entry} not found`)
  const native = options.native === false ? null : resolve(options.native ?? defaultLibrary() ?? '')
  if (native !== null && !existsSync(native)) {
    throw new Error(`msgtrans compile: native library ${native} not found (build it, or pass native: false)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'msgtrans-compile-'))
  try {
    const wrapper = writePrelude(dir, entry, native)
    await runBunBuild(options, wrapper, outfile)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return { outfile, native, bytes: statSync(outfile).size, ms: performance.now() - started }
}

/** The library `loadNative()` would open on this machine, if any. */
export function defaultLibrary(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.MSGTRANS_NATIVE_LIB) return env.MSGTRANS_NATIVE_LIB
  const dev = nativeLibraryPath({})
  return existsSync(dev) ? dev : platformLibrary()
}

// ESM runs imports in order: the prelude registers the library before the app loads.
function writePrelude(dir: string, entry: string, native: string | null): string {
  const key = JSON.stringify(EMBEDDED_LIBRARY_KEY.description)
  const prelude = native
    ? `import lib from ${JSON.stringify(native)} with { type: 'file' }\n` +
      `;(globalThis as any)[Symbol.for(${key})] = lib\n`
    : `export {}\n`
  writeFileSync(join(dir, 'prelude.ts'), prelude)
  const wrapper = join(dir, 'main.ts')
  writeFileSync(wrapper, `import './prelude.ts'\nimport ${JSON.stringify(entry)}\n`)
  return wrapper
}

async function runBunBuild(options: CompileOptions, wrapper: string, outfile: string): Promise<void> {
  const args = [options.bun ?? process.execPath, 'build', '--compile', wrapper, '--outfile', outfile]
  if (options.minify ?? true) args.push('--minify')
  if (options.target) args.push(`--target=${options.target}`)
  const proc = Bun.spawn(args, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`msgtrans compile: bun build failed (${code})\n${out}${err}`)
}
