import { Flags } from './constants.ts'

const PREFIX = 'route:'
const PREFIX_BYTES = new TextEncoder().encode(PREFIX)
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const cache = new Map<string, Uint8Array>()

/**
 * The ext header that addresses a route by name: `route:<name>`. Cached per name, so
 * callers must not mutate the result.
 *
 * @example
 * routeExt('chat/send') // bytes of "route:chat/send"
 */
export function routeExt(name: string): Uint8Array {
  let ext = cache.get(name)
  if (!ext) {
    ext = encoder.encode(PREFIX + name)
    if (cache.size < 4096) cache.set(name, ext)
  }
  return ext
}

/**
 * The route name carried by an ext header, or undefined. Recognized with flag 0x4 (ours)
 * and by its prefix when flags are 0 (the Rust crate never sets flags). With flag 0x4 and
 * no prefix, the whole ext header is the name.
 *
 * @example
 * routeName(packet.ext, packet.flags) // 'chat/send'
 */
export function routeName(ext: Uint8Array, flags: number): string | undefined {
  if (ext.length === 0) return undefined
  if (hasPrefix(ext)) return decoder.decode(ext.subarray(PREFIX_BYTES.length))
  return flags & Flags.routeTag ? decoder.decode(ext) : undefined
}

function hasPrefix(ext: Uint8Array): boolean {
  if (ext.length <= PREFIX_BYTES.length) return false
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (ext[i] !== PREFIX_BYTES[i]) return false
  return true
}

/** Flags to send with a route-tagged ext header. */
export const ROUTE_FLAGS = Flags.routeTag
