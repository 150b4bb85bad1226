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
  if (hasPrefix(ext)) return internedName(ext)
  return flags & Flags.routeTag ? decoder.decode(ext) : undefined
}

// Route names seen on the wire, by a hash of their ext bytes, so the hot path neither
// decodes UTF-8 nor allocates a string per packet. Bounded; on overflow it decodes.
interface Interned {
  bytes: Uint8Array
  name: string
}
const interned = new Map<number, Interned>()
const MAX_INTERNED = 4096

function internedName(ext: Uint8Array): string {
  let h = 0x811c9dc5
  for (let i = 0; i < ext.length; i++) h = Math.imul(h ^ ext[i]!, 0x01000193)
  const hit = interned.get(h)
  if (hit && sameBytes(hit.bytes, ext)) return hit.name
  const name = decoder.decode(ext.subarray(PREFIX_BYTES.length))
  if (!hit && interned.size < MAX_INTERNED) interned.set(h, { bytes: ext.slice(), name })
  return name
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hasPrefix(ext: Uint8Array): boolean {
  if (ext.length <= PREFIX_BYTES.length) return false
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (ext[i] !== PREFIX_BYTES[i]) return false
  return true
}

/** Flags to send with a route-tagged ext header. */
export const ROUTE_FLAGS = Flags.routeTag
