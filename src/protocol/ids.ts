import { MAX_MESSAGE_ID } from './constants.ts'

/**
 * Message id counter for senders: starts at 1, wraps from 0xffffffff back to 1 and never
 * yields 0. One-way and request packets share one counter.
 *
 * @example
 * const ids = new MessageIdCounter()
 * ids.next() // 1
 */
export class MessageIdCounter {
  #next: number
  constructor(start = 1) {
    this.#next = start >= 1 && start <= MAX_MESSAGE_ID ? start : 1
  }
  /** The next id to use. */
  next(): number {
    const id = this.#next
    this.#next = id === MAX_MESSAGE_ID ? 1 : id + 1
    return id
  }
}
