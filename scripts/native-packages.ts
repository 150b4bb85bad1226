// Builds the per-platform npm packages that carry libmsgtrans prebuilt (see
// docs/distribution.md). Zig cross-compiles every target from one machine.
//
//   bun scripts/native-packages.ts                 # this machine's target, built now
//   bun scripts/native-packages.ts --all           # every target in TARGETS
//   bun scripts/native-packages.ts --from-dev      # package zig/zig-out as this machine's
//   options: --out dist/native (default), --version 0.1.0 (default: package.json's)
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { nativeLibraryPath } from '../src/native/loader.ts'
import { libraryFileName, platformPackageName } from '../src/native/platform.ts'

interface Target {
  os: 'linux' | 'darwin' | 'win32'
  cpu: 'x64' | 'arm64'
  libc?: 'gnu' | 'musl'
  zig: string
}

/** Every platform we publish a package for. */
export const TARGETS: Target[] = [
  { os: 'linux', cpu: 'x64', libc: 'gnu', zig: 'x86_64-linux-gnu.2.17' },
  { os: 'linux', cpu: 'arm64', libc: 'gnu', zig: 'aarch64-linux-gnu.2.17' },
  { os: 'linux', cpu: 'x64', libc: 'musl', zig: 'x86_64-linux-musl' },
  { os: 'linux', cpu: 'arm64', libc: 'musl', zig: 'aarch64-linux-musl' },
  { os: 'darwin', cpu: 'x64', zig: 'x86_64-macos' },
  { os: 'darwin', cpu: 'arm64', zig: 'aarch64-macos' },
  { os: 'win32', cpu: 'x64', zig: 'x86_64-windows-gnu' },
]

const root = resolve(import.meta.dir, '..')
const { values } = parseArgs({
  options: {
    all: { type: 'boolean' },
    'from-dev': { type: 'boolean' },
    out: { type: 'string', default: join(root, 'dist/native') },
    version: { type: 'string' },
  },
})
const version = values.version ?? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
const host = TARGETS.find((t) => t.os === process.platform && t.cpu === process.arch && t.libc === hostLibc())
if (!values.all && !host) throw new Error(`no target for ${process.platform}-${process.arch}`)

const failed: string[] = []
for (const target of values.all ? TARGETS : [host!]) {
  try {
    const lib = values['from-dev'] && target === host ? nativeLibraryPath({}) : build(target)
    console.log(writePackage(target, lib, resolve(values.out!)))
  } catch (error) {
    failed.push(target.zig)
    console.error((error as Error).message)
  }
}
if (failed.length > 0) {
  console.error(`failed targets: ${failed.join(', ')}`)
  process.exit(1)
}

function fileName(t: Target): string {
  return t.os === 'win32' ? 'msgtrans.dll' : t.os === 'darwin' ? 'libmsgtrans.dylib' : 'libmsgtrans.so'
}

function build(t: Target): string {
  const prefix = mkdtempSync(join(tmpdir(), 'msgtrans-native-'))
  const proc = Bun.spawnSync(['zig', 'build', `-Dtarget=${t.zig}`, '-Doptimize=ReleaseFast', '--prefix', prefix], {
    cwd: join(root, 'zig'),
    stdout: 'inherit',
    stderr: 'inherit',
  })
  if (proc.exitCode !== 0) throw new Error(`zig build for ${t.zig} failed`)
  const lib = join(prefix, t.os === 'win32' ? 'bin' : 'lib', fileName(t))
  if (!existsSync(lib)) throw new Error(`zig build for ${t.zig} produced no ${lib}`)
  return lib
}

function writePackage(t: Target, lib: string, out: string): string {
  const name = platformPackageName(t.os, t.cpu, t.libc)
  const dir = join(out, name.replace('/', '+'))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  copyFileSync(lib, join(dir, t === host ? libraryFileName() : fileName(t)))
  const manifest = {
    name,
    version,
    description: `msgtrans native core (libmsgtrans) for ${t.os}-${t.cpu}${t.libc ? `-${t.libc}` : ''}`,
    license: 'MIT',
    os: [t.os],
    cpu: [t.cpu],
    ...(t.libc ? { libc: [t.libc === 'gnu' ? 'glibc' : 'musl'] } : {}),
    files: [fileName(t)],
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return dir
}

function hostLibc(): 'gnu' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined
  return platformPackageName().endsWith('-musl') ? 'musl' : 'gnu'
}
