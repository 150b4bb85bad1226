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
 * Int32 words per slot: generation, owner word, transport, tag. The owner word is
 * owner + 1, 0 when free, -1 while an insert writes the slot, REMOVING while a remove
 * checks it is removing the right session.
 */
const WORDS = 4
/** Header words: live count, insert cursor. */
const HEADER = 2
const REMOVING = -2
/** How long a reader waits for a slot a remove holds locked (loads). */
const LOCK_SPINS = 100_000
/** Default slots of the fallback table (a fixed SharedArrayBuffer; 16 bytes each). */
export const SHARED_TABLE_SLOTS = 1 << 16

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
  readonly #slots: number

  constructor(readonly buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer)
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
      if (Atomics.compareExchange(w, base + 1, 0, -1) !== 0) continue
      const gen = (w[base]! % HANDLE_MAX_GENERATION) + 1
      Atomics.store(w, base, gen)
      w[base + 2] = info.transport
      w[base + 3] = info.tag | 0
      Atomics.store(w, base + 1, info.owner + 1)
      Atomics.add(w, 0, 1)
      return gen * INDEX_SPAN + index
    }
    throw new NativeError(FULL, 'shared session table insert')
  }

  lookup(handle: number): SessionInfo | null {
    const base = this.#base(handle)
    if (base < 0) return null
    const w = this.#words
    return { owner: this.#ownerWord(base) - 1, transport: w[base + 2]!, tag: w[base + 3]! >>> 0 }
  }

  owner(handle: number): number {
    const base = this.#base(handle)
    return base < 0 ? -1 : this.#ownerWord(base) - 1
  }

  remove(handle: number): boolean {
    const w = this.#words
    const base = this.#base(handle)
    if (base < 0) return false
    const gen = Math.floor(handle / INDEX_SPAN)
    for (;;) {
      const owner = this.#ownerWord(base)
      if (owner <= 0) return false // free, or an insert is writing a new session
      // Lock the slot, then check it still holds this handle's session: between the
      // check in #base and the lock, the session could have been removed and the slot
      // reused, with the same owner, by a new one.
      if (Atomics.compareExchange(w, base + 1, owner, REMOVING) !== owner) continue
      if (Atomics.load(w, base) !== gen) {
        Atomics.store(w, base + 1, owner) // not ours: unlock, untouched
        return false
      }
      Atomics.store(w, base + 1, 0)
      Atomics.sub(w, 0, 1)
      return true
    }
  }

  removeOwner(owner: number): number {
    const w = this.#words
    const word = owner + 1
    let removed = 0
    for (let index = 0; index < this.#slots; index++) {
      const base = HEADER + index * WORDS
      // The CAS on the owner word is what removes: exactly one remover wins a session.
      if (this.#ownerWord(base) !== word) continue
      if (Atomics.compareExchange(w, base + 1, word, 0) !== word) continue
      Atomics.sub(w, 0, 1)
      removed++
    }
    return removed
  }

  /**
   * A slot's owner word, waiting out a remove that holds it locked for a few
   * instructions (bounded: a thread that died holding it leaves it locked for good).
   */
  #ownerWord(base: number): number {
    let word = Atomics.load(this.#words, base + 1)
    for (let spin = 0; word === REMOVING && spin < LOCK_SPINS; spin++) word = Atomics.load(this.#words, base + 1)
    return word
  }

  ownedBy(owner: number): number[] {
    const w = this.#words
    const out: number[] = []
    for (let index = 0; index < this.#slots; index++) {
      const base = HEADER + index * WORDS
      const gen = Atomics.load(w, base)
      if (this.#ownerWord(base) !== owner + 1 || Atomics.load(w, base) !== gen) continue
      out.push(gen * INDEX_SPAN + index)
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
    if (this.#ownerWord(base) <= 0 || Atomics.load(this.#words, base) !== gen) return -1
    return base
  }
}
