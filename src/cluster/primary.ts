import { MessageChannel, Worker } from 'node:worker_threads'
import type { DrainResult } from '../app/drain.ts'
import type { SessionTable } from '../native/index.ts'
import type { Reclaimed } from './reclaim.ts'
import { WORKER_DATA_KEY, type ClusterPorts, type ClusterQuic, type ToPrimary, type ToWorker, type WorkerInit } from './messages.ts'

/** Restarts of one worker slot allowed within RESTART_WINDOW_MS before it stays down. */
export const MAX_RESTARTS = 5
export const RESTART_WINDOW_MS = 30_000
/** How long a worker may take to load the app and bind its ports. */
export const START_TIMEOUT_MS = 30_000
/** Extra time after a drain deadline before stragglers are terminated. */
const EXIT_GRACE_MS = 2_000
/** How long the primary waits for live workers to acknowledge a peer's death. */
export const DOWN_ACK_TIMEOUT_MS = 2_000

/** State of one worker slot as the primary sees it. */
export interface WorkerStatus {
  index: number
  /** Start count of this slot (1 = never restarted). */
  incarnation: number
  ready: boolean
  cpu: number
  pinned: boolean
  /** Live sessions it owns (counted in the shared session table). */
  sessions: number
  restarts: number
}

interface Slot extends WorkerStatus {
  worker: Worker | null
  restartTimes: number[]
  exited: Promise<number>
}

/** How the primary was asked to run. */
export interface PrimaryOptions {
  count: number
  entry: string
  ports: ClusterPorts
  /** Who serves QUIC, with the certificate loaded once (null: no QUIC). */
  quic: ClusterQuic | null
  cpus: number[]
  /** Shared table of the fallback; null with the Zig core. */
  sharedTable: SharedArrayBuffer | null
  /** The process-wide table (to sweep a dead worker's sessions). */
  table: SessionTable
  /**
   * Gives back the pooled buffers a dead worker held or had queued (Zig core); called
   * once every live worker acknowledged its death, before the slot restarts.
   */
  reclaim: ((index: number) => Reclaimed) | null
  log(message: string): void
}

/**
 * The primary thread of `listen({ workers })`: starts one Bun Worker per slot, wires a
 * MessageChannel between every pair, restarts crashed workers (sweeping their sessions
 * from the shared table by owner and giving their pooled buffers back) and drains them
 * all on stop.
 *
 * @example
 * const app = await new Msgtrans({ tcp: { port: 7001 } }).listen({ workers: 'auto' })
 * app.cluster?.status() // [{ index: 0, ready: true, cpu: 0, sessions: 12, ... }, ...]
 */
export class ClusterPrimary {
  readonly #slots: Slot[] = []
  #stopping = false
  #readyWaiters: Array<() => void> = []
  #drained: DrainResult[] = []
  #draining: Promise<DrainResult> | undefined
  /** Deaths announced to the other workers, by `down` number: who has yet to ack. */
  readonly #pendingAcks = new Map<number, { from: Set<number>; done(): void }>()
  #downSeq = 0

  constructor(readonly options: PrimaryOptions) {}

  get ports(): ClusterPorts {
    return this.options.ports
  }

  /** Starts every worker; resolves when all listen, rejects if one fails to start. */
  async start(): Promise<void> {
    for (let i = 0; i < this.options.count; i++) this.#spawn(i, 1)
    await this.#allReady(START_TIMEOUT_MS)
  }

  status(): WorkerStatus[] {
    return this.#slots.map(({ index, incarnation, ready, cpu, pinned, restarts }) => ({
      index, incarnation, ready, cpu, pinned, sessions: this.sessionsOf(index).length, restarts,
    }))
  }

  /** Session ids a worker owns right now (read from the shared session table). */
  sessionsOf(index: number): number[] {
    return this.options.table.ownedBy(index)
  }

  /** Ends a worker abruptly (as a crash would); it is restarted like one. */
  async kill(index: number): Promise<void> {
    const slot = this.#slots[index]
    await slot?.worker?.terminate()
  }

  /** Drains every worker (stop accepting, finish in-flight, close with a reason). */
  drain(deadlineMs = 30_000): Promise<DrainResult> {
    this.#draining ??= this.#drainAll(deadlineMs)
    return this.#draining
  }

  async #drainAll(deadlineMs: number): Promise<DrainResult> {
    this.#stopping = true
    const exits = this.#slots.map((s) => s.exited)
    for (const s of this.#slots) this.#post(s, { t: 'drain', deadlineMs })
    const timer = setTimeout(() => {
      for (const s of this.#slots) void s.worker?.terminate()
    }, deadlineMs + EXIT_GRACE_MS)
    await Promise.all(exits)
    clearTimeout(timer)
    return sumDrains(this.#drained)
  }

  stop(deadlineMs = 5_000): Promise<DrainResult> {
    return this.drain(deadlineMs)
  }

  #spawn(index: number, incarnation: number): void {
    const prev = this.#slots[index]
    const init: WorkerInit = {
      index,
      count: this.options.count,
      incarnation,
      ports: this.options.ports,
      cpu: this.options.cpus[index] ?? -1,
      table: this.options.sharedTable,
      quic: this.options.quic,
    }
    const worker = new Worker(this.options.entry, { workerData: { [WORKER_DATA_KEY]: init } })
    let exit!: (code: number) => void
    const slot: Slot = {
      index, incarnation, ready: false, cpu: init.cpu, pinned: false, sessions: 0,
      restarts: prev?.restarts ?? 0, worker, restartTimes: prev?.restartTimes ?? [],
      exited: new Promise((r) => (exit = r)),
    }
    this.#slots[index] = slot
    worker.on('message', (m: ToPrimary) => this.#onMessage(slot, m))
    worker.on('error', (e) => this.options.log(`worker ${index} error: ${(e as Error).stack ?? e}`))
    worker.on('exit', (code) => {
      this.#onExit(slot, code)
      exit(code)
    })
  }

  #onMessage(slot: Slot, m: ToPrimary): void {
    if (m.t === 'ready') {
      slot.ready = true
      slot.pinned = m.pinned
      this.#connect(slot)
      for (const w of this.#readyWaiters.splice(0)) w()
    } else if (m.t === 'downAck') {
      this.#acked(m.seq, m.index)
    } else if (m.t === 'drained') {
      this.#drained.push(m.result)
    } else if (m.t === 'failed') {
      this.options.log(`worker ${m.index} failed to start: ${m.error}`)
    }
  }

  /** A MessageChannel between a newly ready worker and every other ready worker. */
  #connect(slot: Slot): void {
    for (const other of this.#slots) {
      if (other === slot || !other.ready || !other.worker) continue
      const { port1, port2 } = new MessageChannel()
      this.#post(slot, { t: 'peer', index: other.index, port: port1 }, [port1])
      this.#post(other, { t: 'peer', index: slot.index, port: port2 }, [port2])
    }
  }

  #onExit(slot: Slot, code: number): void {
    slot.ready = false
    slot.worker = null
    // Its sockets died with it: remove every session it owned (exact: by owner in the
    // table, so one opened in its last turn goes too) so no one routes to them.
    const sessions = this.options.table.removeOwner(slot.index)
    const announced = this.#announceDown(slot.index)
    for (const seq of [...this.#pendingAcks.keys()]) this.#acked(seq, slot.index) // it never will
    const restart = !this.#stopping && this.#mayRestart(slot, code)
    void announced.then(() => {
      // No live worker pushes to its inbox any more: what is queued there and what it
      // held can go back to the pool before the slot starts again.
      let freed = ''
      try {
        const r = this.options.reclaim?.(slot.index)
        if (r) freed = `, ${r.inbox} queued messages, ${r.buffers} buffer references`
      } catch (e) {
        // The slot must come back even if its buffers could not be given back.
        freed = `; giving its buffers back failed: ${(e as Error).message}`
      }
      this.options.log(`worker ${slot.index}: swept ${sessions} sessions${freed}`)
      if (restart && !this.#stopping) this.#spawn(slot.index, slot.incarnation + 1)
    })
  }

  #mayRestart(slot: Slot, code: number): boolean {
    this.options.log(`worker ${slot.index} exited with code ${code}; restarting`)
    const now = Date.now()
    slot.restartTimes = slot.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS)
    if (slot.restartTimes.length >= MAX_RESTARTS) {
      this.options.log(`worker ${slot.index} crashed ${MAX_RESTARTS} times in ${RESTART_WINDOW_MS} ms; not restarting`)
      return false
    }
    slot.restartTimes.push(now)
    slot.restarts++
    return true
  }

  /**
   * Tells every other worker that `index` is down; resolves once each one that could
   * route to it (the ready ones) acknowledged, or after DOWN_ACK_TIMEOUT_MS.
   */
  #announceDown(index: number): Promise<void> {
    const seq = ++this.#downSeq
    const from = new Set<number>()
    for (const other of this.#slots) {
      if (other.index === index || !other.worker) continue
      if (other.ready) from.add(other.index)
      this.#post(other, { t: 'down', index, seq })
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        this.#pendingAcks.delete(seq)
        resolve()
      }
      const timer = setTimeout(() => {
        this.options.log(`workers ${[...from].join(', ')} did not acknowledge worker ${index}'s death in time`)
        finish()
      }, DOWN_ACK_TIMEOUT_MS)
      if (from.size === 0) finish()
      else this.#pendingAcks.set(seq, { from, done: finish })
    })
  }

  #acked(seq: number, index: number): void {
    const pending = this.#pendingAcks.get(seq)
    if (pending?.from.delete(index) && pending.from.size === 0) pending.done()
  }

  #post(slot: Slot, m: ToWorker, transfer?: Transferable[]): void {
    try {
      slot.worker?.postMessage(m, transfer as never)
    } catch (e) {
      this.options.log(`worker ${slot.index}: post failed: ${e}`)
    }
  }

  #allReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.#slots.every((s) => s.ready)) return resolve()
        if (this.#slots.some((s) => s.worker === null) || Date.now() > deadline) {
          return reject(new Error('msgtrans: a cluster worker failed to start (see the log above)'))
        }
        this.#readyWaiters.push(check)
      }
      const timer = setTimeout(() => this.#readyWaiters.splice(0).forEach((w) => w()), timeoutMs + 10)
      timer.unref?.()
      check()
    })
  }
}

function sumDrains(all: DrainResult[]): DrainResult {
  const out: DrainResult = { sessions: 0, closedIdle: 0, forced: 0, ms: 0 }
  for (const r of all) {
    out.sessions += r.sessions
    out.closedIdle += r.closedIdle
    out.forced += r.forced
    out.ms = Math.max(out.ms, r.ms)
  }
  return out
}
