/**
 * Drives the Rust interop peer (test/interop/src) as a real process: JSON command
 * lines on its stdin, JSON event lines from its stdout. Every wait has a deadline.
 */
import type { Subprocess } from 'bun'
import { interopBinaries } from './bin.ts'

/** One line the peer printed; fields depend on `ev` (see src/server.rs, src/client.rs). */
export type PeerEvent = { ev: string; [k: string]: any }

const DEFAULT_WAIT_MS = 10_000

export class RustPeer {
  readonly events: PeerEvent[] = []
  readonly stderr: string[] = []
  #waiters = new Set<() => void>()
  #tag = 0
  #exited = false

  private constructor(readonly proc: Subprocess<'pipe', 'pipe', 'pipe'>) {
    void this.#read(proc.stdout, (line) => this.#push(line))
    void this.#read(proc.stderr, (line) => {
      if (this.stderr.length < 200) this.stderr.push(line)
    })
    void proc.exited.then(() => {
      this.#exited = true
      this.#wake()
    })
  }

  /** Starts `interop server`; resolves once it has accepted a probe on every port. */
  static async server(opts: { tcp?: boolean; ws?: boolean; quic?: boolean; compress?: boolean } = {}) {
    const args = ['server']
    if (opts.tcp ?? true) args.push('--tcp', '0')
    if (opts.ws ?? true) args.push('--ws', '0')
    if (opts.quic) args.push('--quic', '0')
    // A free port picked by the peer can be taken before it binds: start again then.
    for (let attempt = 1; ; attempt++) {
      const peer = RustPeer.#spawn(args, opts.compress)
      try {
        const ready = await peer.waitFor((e) => e.ev === 'ready' || e.ev === 'fatal', 20_000)
        if (ready.ev === 'ready') {
          return Object.assign(peer, { ports: { tcp: ready.tcp, ws: ready.ws, quic: ready.quic } })
        }
        throw new Error(`rust server failed: ${ready.error}`)
      } catch (err) {
        await peer.stop()
        if (attempt >= 3) throw err
      }
    }
  }

  /** Starts `interop client --url URL`; resolves once it is connected. */
  static async client(url: string, opts: { compress?: boolean } = {}) {
    const peer = RustPeer.#spawn(['client', '--url', url], opts.compress)
    const ready = await peer.waitFor((e) => e.ev === 'ready' || e.ev === 'fatal', 20_000)
    if (ready.ev !== 'ready') {
      await peer.stop()
      throw new Error(`rust client failed: ${ready.error}`)
    }
    return peer
  }

  static #spawn(args: string[], compress?: boolean): RustPeer {
    const bins = interopBinaries()
    const exe = compress ? bins.compress : bins.plain
    const proc = Bun.spawn([exe, ...args], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' })
    return new RustPeer(proc as Subprocess<'pipe', 'pipe', 'pipe'>)
  }

  ports: { tcp?: number; ws?: number; quic?: number } = {}

  /** Sends one command; resolves with its `done` line (error or not). */
  async command(cmd: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<PeerEvent> {
    const tag = ++this.#tag
    this.write({ ...cmd, tag })
    return this.waitFor((e) => e.ev === 'done' && e.tag === tag, timeoutMs, `done of ${JSON.stringify(cmd).slice(0, 80)}`)
  }

  /** Like command() but fails when the peer reports an error. */
  async ok(cmd: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<PeerEvent> {
    const done = await this.command(cmd, timeoutMs)
    if (done.error) throw new Error(`rust peer: ${cmd.op} failed: ${done.error}`)
    return done
  }

  /** Sends a command without waiting for it (the peer still prints `done`). */
  write(cmd: Record<string, unknown>): void {
    this.proc.stdin.write(JSON.stringify(cmd) + '\n')
    this.proc.stdin.flush()
  }

  /** The first event (already seen or future) matching `pred`. */
  waitFor(pred: (e: PeerEvent) => boolean, timeoutMs = DEFAULT_WAIT_MS, what = 'peer event'): Promise<PeerEvent> {
    return this.waitCount(pred, 1, timeoutMs, what).then((all) => all[0]!)
  }

  /** Resolves once `count` events match `pred` (in arrival order). */
  waitCount(pred: (e: PeerEvent) => boolean, count: number, timeoutMs = DEFAULT_WAIT_MS, what = 'peer events') {
    return new Promise<PeerEvent[]>((resolve, reject) => {
      const check = () => {
        const hits = this.events.filter(pred)
        if (hits.length >= count) return finish(() => resolve(hits.slice(0, count)))
        if (this.#exited) return finish(() => reject(this.#failure(`peer exited while waiting for ${what}`)))
      }
      const timer = setTimeout(
        () => finish(() => reject(this.#failure(`timed out after ${timeoutMs} ms waiting for ${what}`))),
        timeoutMs,
      )
      const finish = (fn: () => void) => {
        clearTimeout(timer)
        this.#waiters.delete(check)
        fn()
      }
      this.#waiters.add(check)
      check()
    })
  }

  /** Events received (`recv`) so far, optionally filtered. */
  received(pred: (e: PeerEvent) => boolean = () => true): PeerEvent[] {
    return this.events.filter((e) => e.ev === 'recv' && pred(e))
  }

  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.write({ op: 'exit' })
        this.proc.stdin.end()
      } catch {}
      const timer = setTimeout(() => this.proc.kill(), 2_000)
      await this.proc.exited
      clearTimeout(timer)
    }
  }

  #failure(message: string): Error {
    const tail = this.events.slice(-5).map((e) => JSON.stringify(e).slice(0, 200))
    const err = this.stderr.slice(-5)
    return new Error(`${message}\nlast events:\n  ${tail.join('\n  ')}\nstderr:\n  ${err.join('\n  ')}`)
  }

  #push(line: string): void {
    if (!line.startsWith('{')) return
    try {
      this.events.push(JSON.parse(line))
    } catch {
      return
    }
    this.#wake()
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w()
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder()
    let buf = ''
    const reader = stream.getReader()
    try {
      for (;;) {
        const { done, value: chunk } = await reader.read()
        if (done) break
        buf += decoder.decode(chunk, { stream: true })
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl))
          buf = buf.slice(nl + 1)
        }
      }
    } finally {
      reader.releaseLock()
    }
  }
}

/** FNV-1a 32-bit as 8 hex digits (the peer prints the same for large payloads). */
export function fnv(bytes: Uint8Array): string {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** The peer's filler payload: byte i = i % 251. */
export function filler(len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = i % 251
  return out
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const reversed = (b: Uint8Array): Uint8Array => Uint8Array.from(b).reverse()

/** u32 big-endian bytes of n (the peer's burst payloads). */
export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}
