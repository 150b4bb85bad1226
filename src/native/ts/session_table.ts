import { NativeError } from '../errors.ts'
import { Status } from '../symbols.ts'
import {
  HANDLE_INDEX_BITS,
  HANDLE_MAX_GENERATION,
  sessionTableDefaults,
  type SessionInfo,
  type SessionStats,
  type SessionTable,
  type SessionTableConfig,
} from '../types.ts'

const INDEX_SPAN = 2 ** HANDLE_INDEX_BITS
const FIELDS = 4 // version, owner, transport, tag
const COUNTERS = 4 // msgsIn, msgsOut, bytesIn, bytesOut

/**
 * Pure-TS session table with the same handle layout and semantics as the Zig one
 * (generations, retirement at the last generation, E_FULL at max capacity). It lives in
 * one JS thread: Workers each get their own, unlike the shared native table.
 *
 * @example
 * const table = new TsSessionTable({ maxCapacity: 1000 })
 * const h = table.insert({ owner: 0, transport: 1, tag: 0 })
 * table.remove(h) // true
 */
export class TsSessionTable implements SessionTable {
  readonly #max: number
  readonly #growthPercent: number
  #slots: Uint32Array
  #counters: Float64Array
  #free: number[] = []
  #next = 0
  #live = 0
  #closed = false

  constructor(config: SessionTableConfig = {}) {
    const c = { ...sessionTableDefaults, ...config }
    const valid = c.maxCapacity > 0 && c.maxCapacity <= INDEX_SPAN &&
      c.initialCapacity >= 0 && c.initialCapacity <= c.maxCapacity &&
      c.growthPercent >= 1 && c.growthPercent <= 1000
    if (!valid) throw new NativeError(Status.invalid_argument, 'session table create')
    this.#max = c.maxCapacity
    this.#growthPercent = c.growthPercent
    this.#slots = new Uint32Array(c.initialCapacity * FIELDS)
    this.#counters = new Float64Array(c.initialCapacity * COUNTERS)
  }

  #grow(): void {
    const cap = this.capacity
    const step = Math.max(1024, Math.ceil((cap * this.#growthPercent) / 100))
    const next = Math.min(this.#max, cap + step)
    const slots = new Uint32Array(next * FIELDS)
    slots.set(this.#slots)
    const counters = new Float64Array(next * COUNTERS)
    counters.set(this.#counters)
    this.#slots = slots
    this.#counters = counters
  }

  #claim(): number {
    const recycled = this.#free.pop()
    if (recycled !== undefined) return recycled
    if (this.#next >= this.#max) throw new NativeError(Status.full, 'session insert')
    if (this.#next >= this.capacity) this.#grow()
    return this.#next++
  }

  /** Slot index of a live handle, or -1. */
  #liveIndex(handle: number): number {
    this.#check()
    if (!Number.isSafeInteger(handle) || handle <= 0) return -1
    const index = handle % INDEX_SPAN
    const generation = Math.floor(handle / INDEX_SPAN)
    if (index >= this.#next) return -1
    return this.#slots[index * FIELDS] === generation * 2 + 1 ? index : -1
  }

  #check(): void {
    if (this.#closed) throw new Error('msgtrans: SessionTable used after close()')
  }

  insert(info: SessionInfo): number {
    this.#check()
    const index = this.#claim()
    const base = index * FIELDS
    const generation = (this.#slots[base]! >>> 1) + 1
    this.#slots[base] = generation * 2 + 1
    this.#slots[base + 1] = info.owner
    this.#slots[base + 2] = info.transport
    this.#slots[base + 3] = info.tag
    this.#counters.fill(0, index * COUNTERS, index * COUNTERS + COUNTERS)
    this.#live++
    return generation * INDEX_SPAN + index
  }

  lookup(handle: number): SessionInfo | null {
    const index = this.#liveIndex(handle)
    if (index < 0) return null
    const s = this.#slots
    const base = index * FIELDS
    return { owner: s[base + 1]!, transport: s[base + 2]!, tag: s[base + 3]! }
  }

  owner(handle: number): number {
    const index = this.#liveIndex(handle)
    return index < 0 ? -1 : this.#slots[index * FIELDS + 1]! & 0x7fffffff
  }

  remove(handle: number): boolean {
    const index = this.#liveIndex(handle)
    if (index < 0) return false
    const generation = this.#slots[index * FIELDS]! >>> 1
    this.#slots[index * FIELDS] = generation * 2
    this.#live--
    if (generation < HANDLE_MAX_GENERATION) this.#free.push(index)
    return true
  }

  removeOwner(owner: number): number {
    let removed = 0
    for (const handle of this.ownedBy(owner)) if (this.remove(handle)) removed++
    return removed
  }

  ownedBy(owner: number): number[] {
    this.#check()
    const s = this.#slots
    const out: number[] = []
    for (let index = 0; index < this.#next; index++) {
      const version = s[index * FIELDS]!
      if (version & 1 && s[index * FIELDS + 1] === owner >>> 0) {
        out.push((version >>> 1) * INDEX_SPAN + index)
      }
    }
    return out
  }

  recordIo(handle: number, inbound: boolean, bytes: number): boolean {
    const index = this.#liveIndex(handle)
    if (index < 0) return false
    const base = index * COUNTERS + (inbound ? 0 : 1)
    this.#counters[base]! += 1
    this.#counters[base + 2]! += bytes >>> 0
    return true
  }

  stats(handle: number): SessionStats | null {
    const index = this.#liveIndex(handle)
    if (index < 0) return null
    const c = this.#counters
    const base = index * COUNTERS
    return {
      msgsIn: c[base]!, msgsOut: c[base + 1]!, bytesIn: c[base + 2]!, bytesOut: c[base + 3]!,
    }
  }

  get size(): number {
    this.#check()
    return this.#live
  }

  get capacity(): number {
    return this.#slots.length / FIELDS
  }

  close(): void {
    this.#closed = true
  }
}
