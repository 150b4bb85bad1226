import type { BufferOwner, SendResult } from '../protocol/index.ts'

/** Anything that can receive encoded packets and be subscribed to topics. */
export interface Subscriber {
  readonly id: number
  readonly topics: Set<string>
  writeEncoded(packet: Uint8Array, owner?: BufferOwner): SendResult
}

/** Outcome of a publish: how many subscribers got it sent, queued or dropped. */
export interface PublishResult {
  sent: number
  queued: number
  dropped: number
}

/**
 * Topic → subscribers registry. A publish encodes once and writes the same bytes
 * to every subscriber.
 *
 * @example
 * const topics = new TopicRegistry()
 * topics.subscribe('lobby', session)
 * topics.deliver('lobby', bytes) // { sent: 1, queued: 0, dropped: 0 }
 */
export class TopicRegistry {
  readonly #topics = new Map<string, Set<Subscriber>>()

  subscribe(topic: string, sub: Subscriber): boolean {
    let set = this.#topics.get(topic)
    if (!set) this.#topics.set(topic, (set = new Set()))
    if (set.has(sub)) return false
    set.add(sub)
    sub.topics.add(topic)
    return true
  }

  unsubscribe(topic: string, sub: Subscriber): boolean {
    const set = this.#topics.get(topic)
    if (!set?.delete(sub)) return false
    sub.topics.delete(topic)
    if (set.size === 0) this.#topics.delete(topic)
    return true
  }

  /** Removes a subscriber from all its topics (on close). */
  unsubscribeAll(sub: Subscriber): void {
    for (const topic of [...sub.topics]) this.unsubscribe(topic, sub)
  }

  /** Number of subscribers of a topic. */
  count(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0
  }

  /** Topic names with at least one subscriber. */
  names(): string[] {
    return [...this.#topics.keys()]
  }

  /** Writes one encoded packet to every subscriber (except `except`). */
  deliver(topic: string, packet: Uint8Array, except?: Subscriber, owner?: BufferOwner): PublishResult {
    const result: PublishResult = { sent: 0, queued: 0, dropped: 0 }
    const set = this.#topics.get(topic)
    if (!set) return result
    for (const sub of set) {
      if (sub === except) continue
      result[sub.writeEncoded(packet, owner)]++
    }
    return result
  }
}
