/**
 * Soak: steady load with clients joining and leaving, then a check that every
 * per-connection structure is back to its baseline and RSS stayed flat.
 *
 *   bun bench/soak/soak.ts                 # 2 minutes, writes bench/results/soak.{json,md}
 *   bun bench/soak/soak.ts --duration 24h  # the long run
 *   bun bench/soak/soak.ts --tiny          # ~2 s smoke run (also run by test/soak)
 *
 * Server and clients share this process (loopback), so fds and CPU cover both; the
 * baseline is taken with the server listening and no client connected.
 */
import { readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { z } from 'zod'
import { connect, heartbeat, Msgtrans, type Client } from '../../src/index.ts'
import { SoakClients } from './clients.ts'

export interface SoakOptions {
  durationMs: number
  /** Clients kept connected (half TCP, half WebSocket). */
  clients: number
  /** Client departures (and replacements) per second. */
  churnPerSec: number
  /** Packets per second per client (70% one-way publish, 30% request). */
  ratePerClient: number
  /** RSS/state samples per run. */
  samples: number
}

export const TINY: SoakOptions = { durationMs: 1_500, clients: 8, churnPerSec: 6, ratePerClient: 40, samples: 6 }
export const DEFAULT: SoakOptions = { durationMs: 120_000, clients: 60, churnPerSec: 5, ratePerClient: 20, samples: 60 }

const Chat = z.object({ room: z.string(), text: z.string().max(200) })

export function soakApp() {
  return new Msgtrans({ tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' }, log: () => {} })
    .use(heartbeat())
    .push('chat/message', { body: Chat })
    .message('chat/send', { body: Chat }, ({ body, publish }) => void publish(body.room, 'chat/message', body))
    .request('echo', async ({ body }) => {
      await Promise.resolve()
      return body
    })
}
export type SoakApp = ReturnType<typeof soakApp>

function fds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

function snapshot(app: SoakApp) {
  const s = app.stats
  return { ...s, nativeSessions: app.native.sessions.size, fds: fds(), rssMb: process.memoryUsage().rss / 2 ** 20 }
}

/** Runs one soak; resolves with figures and the baseline comparison. */
export async function runSoak(o: SoakOptions) {
  const app = await soakApp().listen()
  const urls = [`tcp://127.0.0.1:${app.ports.tcp}`, `ws://127.0.0.1:${app.ports.ws}`]
  Bun.gc(true)
  const baseline = snapshot(app)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const pool = new SoakClients(urls, o, (url) => connect<SoakApp>(url, { timeout: 5_000 }) as Promise<Client<SoakApp>>)
  const samples: Array<ReturnType<typeof snapshot> & { t: number }> = []
  const every = o.durationMs / o.samples
  let nextSample = every
  await pool.fill()
  while (performance.now() - t0 < o.durationMs) {
    await pool.tick()
    if (performance.now() - t0 >= nextSample) {
      nextSample += every
      samples.push({ t: Math.round(performance.now() - t0), ...snapshot(app) })
    }
  }
  await pool.closeAll()
  const settleBy = performance.now() + 5_000
  while (app.stats.sessions > 0 && performance.now() < settleBy) await Bun.sleep(5)
  Bun.gc(true)
  const after = snapshot(app)
  const wallS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  await app.drain(1_000)
  const leaks = Object.entries(baseline)
    .filter(([k, v]) => k !== 'rssMb' && (after as Record<string, number>)[k] !== v)
    .map(([k, v]) => `${k}: ${v} -> ${(after as Record<string, number>)[k]}`)
  const rss = rssTrend(samples.map((s) => s.rssMb))
  const stats = pool.summary
  return {
    options: o,
    wallS: round(wallS),
    cpuS: round(cpuS),
    packets: stats.sent,
    packetsPerSec: Math.round(stats.sent / wallS),
    packetsPerCpuS: Math.round(stats.sent / cpuS),
    ...stats,
    baseline,
    after,
    leaks,
    rss,
    samples,
  }
}
export type SoakReport = Awaited<ReturnType<typeof runSoak>>

/** Median RSS of the first and last quarter of the samples (warm-up quarter skipped). */
function rssTrend(rss: number[]) {
  const q = Math.max(1, Math.floor(rss.length / 4))
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
  const early = med(rss.slice(q, 2 * q))
  const late = med(rss.slice(-q))
  return { earlyMb: round(early), lateMb: round(late), growthMb: round(late - early), flat: late <= early * 1.25 + 16 }
}

const round = (x: number) => Math.round(x * 10) / 10

async function writeReport(r: SoakReport): Promise<void> {
  const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, date: new Date().toISOString() }
  await mkdir('bench/results', { recursive: true })
  await Bun.write('bench/results/soak.json', JSON.stringify({ machine, ...r }, null, 2))
  const b = r.baseline
  const a = r.after
  const md = [
    `# soak (${machine.cpu}, ${machine.cores} cores, bun ${machine.bun}, ${machine.date})`,
    '',
    `Command: \`bun bench/soak/soak.ts --duration ${r.options.durationMs / 1000}s --clients ${r.options.clients}\``,
    `Server and clients in one process over loopback; CPU is both.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| duration | ${r.wallS} s |`,
    `| clients kept connected | ${r.options.clients} (half TCP, half WebSocket) |`,
    `| connections opened / closed | ${r.opened} / ${r.closed} |`,
    `| packets sent (one-way + requests) | ${r.packets} (${r.packetsPerSec}/s, ${r.packetsPerCpuS} per CPU-second) |`,
    `| requests ok / closed by churn / other errors | ${r.requestsOk} / ${r.requestsClosed} / ${r.requestErrors} |`,
    `| request p50 / p99 | ${r.p50Ms} ms / ${r.p99Ms} ms |`,
    `| publish deliveries received | ${r.delivered} |`,
    `| RSS early / late (median) | ${r.rss.earlyMb} MB / ${r.rss.lateMb} MB (${r.rss.flat ? 'flat' : 'GROWING'}) |`,
    '',
    '| state | baseline | after |',
    '|---|---|---|',
    ...Object.keys(b)
      .filter((k) => k !== 'rssMb')
      .map((k) => `| ${k} | ${(b as any)[k]} | ${(a as any)[k]} |`),
    '',
    r.leaks.length === 0 ? 'Every structure is back to its baseline.' : `LEAKS: ${r.leaks.join(', ')}`,
  ].join('\n')
  await Bun.write('bench/results/soak.md', md + '\n')
}

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s)
  if (!m) throw new Error(`bad duration ${s}`)
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms']
}

if (import.meta.main) {
  const args = process.argv.slice(2)
  const get = (name: string) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? args[i + 1] : undefined
  }
  const o: SoakOptions = args.includes('--tiny') ? { ...TINY } : { ...DEFAULT }
  if (get('duration')) o.durationMs = parseDuration(get('duration')!)
  if (get('clients')) o.clients = Number(get('clients'))
  if (get('rate')) o.ratePerClient = Number(get('rate'))
  o.samples = Math.max(o.samples, Math.min(2_000, Math.round(o.durationMs / 2_000)))
  const r = await runSoak(o)
  const { samples: _s, ...summary } = r
  console.log(JSON.stringify(summary, null, 2))
  if (!args.includes('--tiny')) await writeReport(r)
  process.exit(r.leaks.length === 0 && (args.includes('--tiny') || r.rss.flat) ? 0 : 1)
}
