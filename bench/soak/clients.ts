import type { Client } from '../../src/index.ts'
import type { SoakOptions } from './soak.ts'

const TICK_MS = 50

/**
 * The soak's client population: keeps `clients` connected (alternating TCP/WebSocket),
 * each subscribed to one of 8 rooms, sending at a steady rate; replaces `churnPerSec`
 * of them per second. Counts what happened to every request.
 */
export class SoakClients {
  readonly #live: Array<{ c: Client<any>; room: string }> = []
  readonly #latencies: number[] = []
  #n = 0
  stats = { opened: 0, closed: 0, sent: 0, requestsOk: 0, requestsClosed: 0, requestErrors: 0, mismatches: 0, delivered: 0 }
  #nextTick = performance.now()
  #churnDebt = 0

  constructor(
    readonly urls: string[],
    readonly o: SoakOptions,
    readonly open: (url: string) => Promise<Client<any>>,
  ) {}


  async fill(): Promise<void> {
    const missing = this.o.clients - this.#live.length
    await Promise.all(Array.from({ length: missing }, () => this.#add()))
  }

  /** One 50 ms step: churn, then each client's share of packets, then wait for the tick. */
  async tick(): Promise<void> {
    this.#churnDebt += (this.o.churnPerSec * TICK_MS) / 1000
    while (this.#churnDebt >= 1 && this.#live.length > 0) {
      this.#churnDebt--
      const [gone] = this.#live.splice(Math.floor(Math.random() * this.#live.length), 1)
      void gone!.c.close()
      this.stats.closed++
    }
    await this.fill()
    const perTick = (this.o.ratePerClient * TICK_MS) / 1000
    for (const { c, room } of this.#live) {
      for (let k = Math.floor(perTick + Math.random()); k > 0; k--) this.#send(c, room)
    }
    this.#nextTick += TICK_MS
    const wait = this.#nextTick - performance.now()
    await new Promise((r) => setTimeout(r, Math.max(0, wait)))
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#live.splice(0).map(({ c }) => c.close()))
    this.stats.closed = this.stats.opened
  }

  get summary() {
    return { ...this.stats, p50Ms: this.#pct(0.5), p99Ms: this.#pct(0.99) }
  }

  #send(c: Client<any>, room: string): void {
    this.stats.sent++
    if (Math.random() < 0.7) {
      c.send('chat/send', { room, text: `m${this.stats.sent}` })
      return
    }
    const body = { n: this.stats.sent }
    const t = performance.now()
    c.request('echo', body).then(
      (r: { n: number }) => {
        if (r.n !== body.n) this.stats.mismatches++
        this.stats.requestsOk++
        if (this.#latencies.length < 200_000) this.#latencies.push(performance.now() - t)
      },
      (e: { code?: string }) => {
        if (e.code === 'E_CLOSED') this.stats.requestsClosed++
        else this.stats.requestErrors++
      },
    )
  }

  async #add(): Promise<void> {
    const url = this.urls[this.#n++ % this.urls.length]!
    const c = await this.open(url)
    const room = `room-${this.#n % 8}`
    await c.subscribe(room)
    c.on('chat/message', () => void this.stats.delivered++)
    this.#live.push({ c, room })
    this.stats.opened++
  }

  #pct(p: number): number {
    if (this.#latencies.length === 0) return NaN
    const s = [...this.#latencies].sort((a, b) => a - b)
    return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 100) / 100
  }
}
