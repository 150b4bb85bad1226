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
  // Consecutive sends usually name the same route: compare with the last one first.
  if (name === lastName) return lastExt
  let ext = cache.get(name)
  if (!ext) {
    ext = encoder.encode(PREFIX + name)
    if (cache.size >= 4096) return ext
    cache.set(name, ext)
  }
  lastName = name
  lastExt = ext
  return ext
}
let lastName: string | undefined
let lastExt: Uint8Array = new Uint8Array(0)

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
  const known = internedByArray.get(ext)
  if (known !== undefined) return known
  if (hasPrefix(ext, 0)) return internedName(ext)
  return flags & Flags.routeTag ? decoder.decode(ext) : undefined
}

/**
 * The shared, interned copy of a route ext header found at `start` in `bytes`, so a
 * decoded packet needs no view for it; undefined when it is not a known route tag.
 * Interned arrays are shared by every packet that carries them: treat them as read-only.
 */
export function internedExt(bytes: Uint8Array, start: number, length: number): Uint8Array | undefined {
  // Consecutive packets usually carry the same route: compare with the last one first.
  if (lastHit && sameBytes(lastHit, bytes, start, length)) return lastHit
  if (length <= PREFIX_BYTES.length || !hasPrefix(bytes, start)) return undefined
  const hit = interned.get(hashOf(bytes, start, length))
  if (!hit || !sameBytes(hit.bytes, bytes, start, length)) return undefined
  lastHit = hit.bytes
  return hit.bytes
}

let lastHit: Uint8Array | undefined

/**
 * Whether `ext` is one of the shared interned route tags (internedExt), whose identity
 * stands for its bytes.
 *
 * @example
 * if (isInternedExt(packet.ext)) cache.set(packet.ext, route)
 */
export function isInternedExt(ext: Uint8Array): boolean {
  return internedByArray.has(ext)
}

// Route names seen on the wire, by a hash of their ext bytes, so the hot path neither
// decodes UTF-8 nor allocates a string per packet. Bounded; on overflow it decodes.
interface Interned {
  bytes: Uint8Array
  name: string
}
const interned = new Map<number, Interned>()
const internedByArray = new Map<Uint8Array, string>()
const MAX_INTERNED = 4096

function hashOf(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193)
  return h
}

function internedName(ext: Uint8Array): string {
  const h = hashOf(ext, 0, ext.length)
  const hit = interned.get(h)
  if (hit && sameBytes(hit.bytes, ext, 0, ext.length)) return hit.name
  const name = decoder.decode(ext.subarray(PREFIX_BYTES.length))
  if (!hit && interned.size < MAX_INTERNED) {
    const bytes = new Uint8Array(ext) // a copy even when ext is a Buffer view
    interned.set(h, { bytes, name })
    internedByArray.set(bytes, name)
  }
  return name
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, length: number): boolean {
  if (a.length !== length) return false
  for (let i = 0; i < length; i++) if (a[i] !== b[start + i]) return false
  return true
}

function hasPrefix(bytes: Uint8Array, start: number): boolean {
  if (bytes.length - start <= PREFIX_BYTES.length) return false
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (bytes[start + i] !== PREFIX_BYTES[i]) return false
  return true
}

/** Flags to send with a route-tagged ext header. */
export const ROUTE_FLAGS = Flags.routeTag
