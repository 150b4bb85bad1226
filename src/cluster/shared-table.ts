import {
  HANDLE_INDEX_BITS,
  HANDLE_MAX_GENERATION,
  NativeError,
  type SessionInfo,
  type SessionStats,
  type SessionTable,
} from '../native/index.ts'

/** Status values of NativeError (src/native/symbols.ts). */
const FULL = -3

const INDEX_SPAN = 2 ** HANDLE_INDEX_BITS
/**
 * Int32 words per slot: generation and owner word (together one 64-bit atomic state
 * word: generation low, owner word high), transport, tag. The owner word is owner + 1,
 * 0 when free and -1 while an insert writes the slot. Because a remove compares and
 * swaps generation and owner at once, a stale handle can never remove the session that
 * reused its slot, and nothing ever holds a slot locked.
 */
const WORDS = 4
/** Header words: live count, insert cursor. */
const HEADER = 2
const WRITING = -1
/** Default slots of the fallback table (a fixed SharedArrayBuffer; 16 bytes each). */
export const SHARED_TABLE_SLOTS = 1 << 16

const state = (gen: number, ownerWord: number) => (BigInt(ownerWord) << 32n) | BigInt(gen >>> 0)

/**
 * The pure-TS fallback's session table for a cluster: one SharedArrayBuffer seen by
 * every worker (Atomics CAS on the owner word), same handle layout and contract as the
 * native table, fixed capacity. Only used when the Zig core is off (MSGTRANS_NATIVE=0);
 * the native table is shared through the library's process-wide registry instead.
 *
 * @example
 * const sab = SharedSessionTable.allocate(1024)
 * const t = new SharedSessionTable(sab) // in each worker, same sab
 * const id = t.insert({ owner: 1, transport: 0, tag: 0 })
 */
export class SharedSessionTable implements SessionTable {
  readonly #words: Int32Array
  /** The same memory as 64-bit words: slot `i`'s state word is at (HEADER + i * WORDS) / 2. */
  readonly #states: BigInt64Array
  readonly #slots: number

  constructor(readonly buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer)
    this.#states = new BigInt64Array(buffer, 0, Math.floor(buffer.byteLength / 8))
    this.#slots = (this.#words.length - HEADER) / WORDS
    if (!Number.isInteger(this.#slots) || this.#slots < 1) throw new RangeError('bad shared table buffer')
  }

  static allocate(slots = SHARED_TABLE_SLOTS): SharedArrayBuffer {
    if (slots < 1 || slots > INDEX_SPAN) throw new RangeError(`slots must be in 1..${INDEX_SPAN}`)
    return new SharedArrayBuffer((HEADER + slots * WORDS) * 4)
  }

  insert(info: SessionInfo): number {
    const w = this.#words
    const start = Atomics.add(w, 1, 1) % this.#slots
    for (let k = 0; k < this.#slots; k++) {
      const index = (start + k) % this.#slots
      const base = HEADER + index * WORDS
      // Claim a free slot: only its owner word changes, and only from 0 (free).
      if (Atomics.compareExchange(w, base + 1, 0, WRITING) !== 0) continue
      const gen = (w[base]! % HANDLE_MAX_GENERATION) + 1
      w[base + 2] = info.transport
      w[base + 3] = info.tag | 0
      // Generation and owner appear together: the session is live from here.
      Atomics.store(this.#states, base / 2, state(gen, info.owner + 1))
      Atomics.add(w, 0, 1)
      return gen * INDEX_SPAN + index
    }
    throw new NativeError(FULL, 'shared session table insert')
  }

  lookup(handle: number): SessionInfo | null {
    const owner = this.owner(handle)
    if (owner < 0) return null
    const w = this.#words
    const base = HEADER + (handle % INDEX_SPAN) * WORDS
    return { owner, transport: w[base + 2]!, tag: w[base + 3]! >>> 0 }
  }

  owner(handle: number): number {
    const base = this.#base(handle)
    return base < 0 ? -1 : this.#live(base, Math.floor(handle / INDEX_SPAN)) - 1
  }

  remove(handle: number): boolean {
    const base = this.#base(handle)
    if (base < 0) return false
    const gen = Math.floor(handle / INDEX_SPAN)
    const at = base / 2
    for (;;) {
      const owner = this.#live(base, gen)
      if (owner <= 0) return false // already removed (maybe reused)
      // Generation and owner are swapped together: a slot reused since the check above
      // has a new generation, so the swap fails and the new session stays.
      const live = state(gen, owner)
      if (Atomics.compareExchange(this.#states, at, live, state(gen, 0)) === live) {
        Atomics.sub(this.#words, 0, 1)
        return true
      }
    }
  }

  removeOwner(owner: number): number {
    const word = owner + 1
    let removed = 0
    for (let index = 0; index < this.#slots; index++) {
      const base = HEADER + index * WORDS
      const gen = Atomics.load(this.#words, base)
      if (this.#live(base, gen) !== word) continue
      // The swap is what removes: exactly one remover wins a session.
      const live = state(gen, word)
      if (Atomics.compareExchange(this.#states, base / 2, live, state(gen, 0)) !== live) continue
      Atomics.sub(this.#words, 0, 1)
      removed++
    }
    return removed
  }

  /**
   * The owner word of slot `base` if it holds generation `gen`, else 0. Reads the two
   * halves of the state word and checks the generation did not change in between.
   */
  #live(base: number, gen: number): number {
    const w = this.#words
    for (;;) {
      const g = Atomics.load(w, base)
      const owner = Atomics.load(w, base + 1)
      if (Atomics.load(w, base) !== g) continue
      return g === gen && owner > 0 ? owner : 0
    }
  }

  ownedBy(owner: number): number[] {
    const w = this.#words
    const out: number[] = []
    for (let index = 0; index < this.#slots; index++) {
      const base = HEADER + index * WORDS
      const gen = Atomics.load(w, base)
      if (this.#live(base, gen) === owner + 1) out.push(gen * INDEX_SPAN + index)
    }
    return out
  }

  recordIo(handle: number): boolean {
    return this.#base(handle) >= 0
  }

  stats(handle: number): SessionStats | null {
    return this.#base(handle) < 0 ? null : { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 }
  }

  get size(): number {
    return Atomics.load(this.#words, 0)
  }

  get capacity(): number {
    return this.#slots
  }

  close(): void {}

  /** Slot base of a live handle, or -1 (unknown, stale or free). */
  #base(handle: number): number {
    if (!Number.isSafeInteger(handle) || handle <= 0) return -1
    const index = handle % INDEX_SPAN
    const gen = Math.floor(handle / INDEX_SPAN)
    if (index >= this.#slots) return -1
    const base = HEADER + index * WORDS
    return this.#live(base, gen) > 0 ? base : -1
  }
}
