/**
 * Prebuilt native libraries shipped as per-platform npm packages
 * (`@msgtrans/native-linux-x64-gnu`, ...): each declares `os`, `cpu` (and `libc`) so a
 * package manager installs only the one matching the machine, and none runs an install
 * script. See docs/distribution.md.
 */
import type * as Fs from 'node:fs'
import type * as NodeModule from 'node:module'
import type * as Path from 'node:path'
import { suffix } from 'bun:ffi'

/** npm scope of the platform packages. */
export const PLATFORM_SCOPE = '@msgtrans'

/**
 * Name of the platform package for this machine (or the given one).
 *
 * @example
 * platformPackageName() // '@msgtrans/native-linux-x64-gnu'
 */
export function platformPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
  libc: 'gnu' | 'musl' | undefined = platform === 'linux' ? linuxLibc() : undefined,
): string {
  return `${PLATFORM_SCOPE}/native-${platform}-${arch}${libc ? `-${libc}` : ''}`
}

/** File name of the library on this platform. */
export function libraryFileName(): string {
  return suffix === 'dll' ? `msgtrans.${suffix}` : `libmsgtrans.${suffix}`
}

/**
 * Path of the library inside the installed platform package, or undefined when no
 * matching package is installed (unsupported platform, or installed without optionals).
 *
 * @example
 * platformLibrary() // '/app/node_modules/@msgtrans/native-linux-x64-gnu/libmsgtrans.so'
 */
export function platformLibrary(from: string = import.meta.dir): string | undefined {
  try {
    // Loaded here, not at startup: only a machine without the dev build looks.
    const { dirname, join } = require('node:path') as typeof Path
    const { createRequire } = require('node:module') as typeof NodeModule
    const manifest = createRequire(join(from, 'noop.js')).resolve(`${platformPackageName()}/package.json`)
    const lib = join(dirname(manifest), libraryFileName())
    return (require('node:fs') as typeof Fs).existsSync(lib) ? lib : undefined
  } catch {
    return undefined
  }
}

function linuxLibc(): 'gnu' | 'musl' {
  try {
    const { readdirSync } = require('node:fs') as typeof Fs
    return readdirSync('/lib').some((f) => f.startsWith('ld-musl-')) ? 'musl' : 'gnu'
  } catch {
    return 'gnu'
  }
}
