import { MAX_HOLDERS } from '../buffer_types.ts'
import { NativeError } from '../errors.ts'
import { Status } from '../symbols.ts'

/**
 * The pure-TS pool's holder ledgers (the Zig pool keeps them in buffer_holders.zig):
 * per holder, how many references it has of each buffer. The TS pool lives in one
 * thread, so "the calling thread's holder" is simply the pool's current holder.
 *
 * @example
 * const ledgers = new HolderLedgers()
 * ledgers.set(2)
 * ledgers.credit(ref)            // holder 2 took a reference
 * ledgers.takeAll(2)             // Map { ref => 1 }: what to drop when holder 2 died
 */
export class HolderLedgers {
  readonly #byHolder = new Map<number, Map<number, number>>()
  #current: Map<number, number> | undefined

  /** The holder later credits and debits count for (-1: none). */
  set(id: number): void {
    if (id < 0) {
      this.#current = undefined
      return
    }
    this.#check(id, 'setHolder')
    let ledger = this.#byHolder.get(id)
    if (!ledger) this.#byHolder.set(id, (ledger = new Map()))
    this.#current = ledger
  }

  credit(ref: number): void {
    const ledger = this.#current
    if (ledger) ledger.set(ref, (ledger.get(ref) ?? 0) + 1)
  }

  debit(ref: number): void {
    const ledger = this.#current
    const n = ledger?.get(ref)
    if (n === undefined) return
    if (n > 1) ledger!.set(ref, n - 1)
    else ledger!.delete(ref)
  }

  /** Empties holder `id`'s ledger and returns what it held (ref → references). */
  takeAll(id: number): Map<number, number> {
    this.#check(id, 'releaseHolder')
    const ledger = this.#byHolder.get(id)
    const held = new Map(ledger ?? [])
    ledger?.clear()
    return held
  }

  held(id: number): number {
    this.#check(id, 'heldBy')
    let total = 0
    for (const n of this.#byHolder.get(id)?.values() ?? []) total += n
    return total
  }

  #check(id: number, what: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= MAX_HOLDERS) {
      throw new NativeError(Status.invalid_argument, `buffer ${what}(${id})`)
    }
  }
}
