/** Starts the cluster fixture (test/cluster/app.ts) as a real process and talks to it. */
import { connect, type Client } from '../../src/index.ts'
import { waitFor } from '../helpers/wait.ts'

export interface ClusterProc {
  proc: ReturnType<typeof Bun.spawn>
  tcp: number
  ws: number
  /** UDP port the primary picked for QUIC (the fixture asks for port 0). */
  quic: number
  /** SHA-256 of the dev certificate, as the primary logged it. */
  fingerprint: string
  output(): string
  stop(): Promise<void>
}

/** A TCP port free right now (bound on port 0, read back, closed). */
export function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  return port
}

/** Spawns the fixture with `workers` workers; resolves once it printed its ready line. */
export async function startCluster(opts: {
  native: boolean
  workers?: number
  drainMs?: number
  stopOnStdin?: boolean
}): Promise<ClusterProc> {
  const tcp = freePort()
  const ws = freePort()
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    TCP_PORT: String(tcp),
    WS_PORT: String(ws),
    WORKERS: String(opts.workers ?? 2),
    DRAIN_MS: String(opts.drainMs ?? 5_000),
  }
  if (!opts.native) env.MSGTRANS_NATIVE = '0'
  if (opts.stopOnStdin) env.STOP_ON_STDIN = '1'
  const proc = Bun.spawn([process.execPath, new URL('./app.ts', import.meta.url).pathname], {
    env,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let out = ''
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const reader = s.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      out += new TextDecoder().decode(value)
    }
  }
  void pump(proc.stdout as ReadableStream<Uint8Array>)
  void pump(proc.stderr as ReadableStream<Uint8Array>)
  await waitFor(() => out.includes('ready {') || proc.exitCode !== null, 20_000, 'cluster ready line')
  if (!out.includes('ready {')) throw new Error(`cluster did not start:\n${out}`)
  const ready = JSON.parse(out.split('\n').find((l) => l.startsWith('ready {'))!.slice('ready '.length))
  const fingerprint = out.match(/self-signed ECDSA P-256 certificate, sha256 ([0-9A-F:]+)/)?.[1]
  if (!fingerprint) throw new Error(`no dev certificate fingerprint in the output:\n${out}`)
  return {
    proc,
    tcp,
    ws,
    quic: ready.ports.quic,
    fingerprint,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGKILL')
      await proc.exited
    },
  }
}

export interface Peer {
  client: Client
  worker: number
  id: number
}

/** Connects (QUIC: pinning the primary's dev certificate) and asks for worker and session id. */
export async function join(c: ClusterProc, transport: 'tcp' | 'ws' | 'quic' = 'tcp'): Promise<Peer> {
  const client =
    transport === 'quic'
      ? await connect(`quic://127.0.0.1:${c.quic}`, { fingerprint: c.fingerprint })
      : await connect(transport === 'tcp' ? `tcp://127.0.0.1:${c.tcp}` : `ws://127.0.0.1:${c.ws}`)
  const me = await client.request<{ worker: number; id: number }>('whoami')
  return { client, ...me }
}

/** Connects until it holds a peer on each of `workers` (kernel SO_REUSEPORT hashing). */
export async function peersOnEach(c: ClusterProc, workers: number, max = 64): Promise<Peer[][]> {
  const by: Peer[][] = Array.from({ length: workers }, () => [])
  const extra: Peer[] = []
  for (let i = 0; i < max && by.some((l) => l.length === 0); i++) {
    const p = await join(c, i % 2 === 0 ? 'tcp' : 'ws')
    ;(by[p.worker] ?? extra).push(p)
  }
  return by
}

/**
 * Starts a 400 ms `slow` request on every peer, sends SIGTERM once all of them are in
 * their handlers, and returns what the drain did: the request results, the clients'
 * closes, the exit code and the primary's `drained:` report.
 */
export async function drainUnderLoad(c: ClusterProc, peers: Peer[]) {
  const closes = peers.map((p) => p.client.closed())
  let started = 0
  for (const p of peers) p.client.on('started', () => started++)
  const slow = peers.map((p) => p.client.request<{ done: boolean; worker: number }>('slow', { ms: 400 }))
  // Every request is in a handler on its worker before the signal.
  await waitFor(() => started === peers.length, 5_000, 'slow requests in flight')
  c.proc.kill('SIGTERM')
  const results = await Promise.all(slow)
  const closed = await Promise.all(closes)
  const exitCode = await c.proc.exited
  const drained = JSON.parse(c.output().match(/drained: (\{.*\})/)![1]!) as { sessions: number; forced: number }
  return { results, closed, exitCode, drained }
}
