/**
 * Process control for the e2e benchmark: each server is its own Bun process pinned to
 * CPU 0, the Rust load generator runs pinned to CPU 1 (taskset from util-linux), and
 * every wait is bounded.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

export type ServerKind = 'msgtrans' | 'raw-tcp' | 'raw-ws' | 'floor-tcp' | 'floor-ws'

const SERVER_FILES: Record<ServerKind, string> = {
  msgtrans: 'msgtrans-echo.ts',
  'raw-tcp': 'raw-tcp.ts',
  'raw-ws': 'raw-ws.ts',
  'floor-tcp': 'floor-tcp.ts',
  'floor-ws': 'floor-ws.ts',
}
/** A server must print its ready line within this. */
const SERVER_READY_MS = 15_000
/** Slack on top of warmup + duration before a load generator run is killed. */
const LOADGEN_SLACK_MS = 30_000
export const SERVER_CPU = 0
export const LOADGEN_CPU = 1

/** Whether both processes can be pinned to separate cores. */
export function canPin(): boolean {
  if (availableParallelism() < 2) return false
  return Bun.spawnSync(['taskset', '-c', '0', 'true']).exitCode === 0
}

function pinned(cpu: number, argv: string[], pin: boolean): string[] {
  return pin ? ['taskset', '-c', String(cpu), ...argv] : argv
}

export interface RunningServer {
  kind: ServerKind
  pid: number
  tcp?: number
  ws?: number
  native?: string
  stop(): Promise<void>
}

/** Starts a server process and waits for its `{"ready":true,...}` line on stdout. */
export async function startServer(kind: ServerKind, pin: boolean): Promise<RunningServer> {
  const file = join(import.meta.dir, 'servers', SERVER_FILES[kind])
  const proc = Bun.spawn(pinned(SERVER_CPU, [process.execPath, file], pin), {
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  const stderr = new Response(proc.stderr).text()
  const ready = await readyLine(proc.stdout, SERVER_READY_MS).catch(async (err) => {
    proc.kill('SIGKILL')
    throw new Error(`${kind} server did not start: ${err.message}\n${(await stderr).slice(-2000)}`)
  })
  const stop = async () => {
    proc.kill('SIGTERM')
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3_000).then(() => false)])
    if (!exited) proc.kill('SIGKILL')
    await proc.exited
  }
  return { kind, pid: proc.pid, tcp: ready.tcp, ws: ready.ws, native: ready.native, stop }
}

async function readyLine(stream: ReadableStream<Uint8Array>, timeoutMs: number) {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)])
    if (chunk === null || chunk.done) break
    text += decoder.decode(chunk.value, { stream: true })
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue
      const msg = JSON.parse(line) as { ready?: boolean; tcp?: number; ws?: number; native?: string }
      if (msg.ready) {
        reader.releaseLock()
        return msg
      }
    }
  }
  throw new Error(`no ready line within ${timeoutMs} ms (got ${JSON.stringify(text.slice(0, 200))})`)
}

/** The load generator's JSON report (the fields the harness reads). */
export interface LoadgenReport {
  msgs: number
  msgs_per_s: number
  bytes_per_s: number
  wire_bytes_per_s: number
  sent: number
  measured_s: number
  latency_from: string
  latency_us: { count: number; p50: number; p90: number; p99: number; p999: number; max: number; mean: number } | null
  send_lateness_us: { p50: number; p99: number; max: number } | null
  unfinished: number
  errors: { total: number; first: string | null } & Record<string, number | string | null>
  loadgen_cpu: { cpu_s: number; util: number }
  server_cpu: { pid: number; cpu_s: number; util: number } | null
  config: Record<string, unknown>
}

/** Runs the load generator once against a server; its CPU is read over the measured window. */
export async function runLoadgen(
  bin: string,
  args: Record<string, string | number>,
  serverPid: number,
  pin: boolean,
): Promise<LoadgenReport> {
  const flags = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)])
  const argv = pinned(LOADGEN_CPU, [bin, ...flags, '--server-pid', String(serverPid)], pin)
  const proc = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe' })
  const limitMs = (Number(args.warmup ?? 1) + Number(args.duration ?? 5)) * 1000 + LOADGEN_SLACK_MS
  const timer = setTimeout(() => proc.kill('SIGKILL'), limitMs)
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  const line = out.trim().split('\n').pop() ?? ''
  if (!line.startsWith('{')) {
    throw new Error(`loadgen exited ${code} without a report: ${argv.join(' ')}\n${err.slice(-2000)}`)
  }
  return JSON.parse(line) as LoadgenReport
}
