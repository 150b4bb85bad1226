/**
 * Prebuilt native libraries shipped as per-platform npm packages
 * (`@msgtrans/native-linux-x64-gnu`, ...): each declares `os`, `cpu` (and `libc`) so a
 * package manager installs only the one matching the machine, and none runs an install
 * script. See docs/distribution.md.
 */
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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
    const require = createRequire(join(from, 'noop.js'))
    const manifest = require.resolve(`${platformPackageName()}/package.json`)
    const lib = join(dirname(manifest), libraryFileName())
    return existsSync(lib) ? lib : undefined
  } catch {
    return undefined
  }
}

function linuxLibc(): 'gnu' | 'musl' {
  try {
    return readdirSync('/lib').some((f) => f.startsWith('ld-musl-')) ? 'musl' : 'gnu'
  } catch {
    return 'gnu'
  }
}
