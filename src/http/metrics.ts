import type { Msgtrans } from '../app/index.ts'

/** Counters the `http()` plugin keeps through app hooks. */
export class AppCounters {
  opened = 0
  closed = 0
  packetsIn = 0
  httpRequests = 0
  readonly started = Date.now()

  /** Installs the hooks that count connections and inbound packets. */
  install(app: Msgtrans<any, any, any, any>): void {
    app.onOpen(() => void this.opened++)
    app.onClose(() => void this.closed++)
    app.onMessage(() => void this.packetsIn++)
  }
}

type Sample = [labels: string, value: number]
type Metric = [name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]]

/**
 * Prometheus text exposition (format 0.0.4) of an app: live sessions by transport,
 * connections and packets counted since start, routes, process memory and uptime.
 *
 * @example
 * new Response(prometheusText(app, counters), { headers: { 'content-type': PROMETHEUS_TYPE } })
 */
export function prometheusText(app: Msgtrans<any, any, any, any>, c: AppCounters): string {
  const byTransport: Record<string, number> = { tcp: 0, ws: 0, quic: 0 }
  let sessions: ReadonlyMap<number, { transport: string }> = new Map()
  try {
    sessions = app.sessions as ReadonlyMap<number, { transport: string }>
  } catch {} // not listening yet
  for (const s of sessions.values()) byTransport[s.transport] = (byTransport[s.transport] ?? 0) + 1
  const perTransport = Object.entries(byTransport).map(([t, n]): Sample => [`{transport="${t}"}`, n])
  const mem = process.memoryUsage()
  const uptime = (Date.now() - c.started) / 1000
  const metrics: Metric[] = [
    ['msgtrans_sessions', 'gauge', 'Open sessions by transport.', perTransport],
    ['msgtrans_connections_opened_total', 'counter', 'Connections opened.', [['', c.opened]]],
    ['msgtrans_connections_closed_total', 'counter', 'Connections closed.', [['', c.closed]]],
    ['msgtrans_packets_received_total', 'counter', 'Inbound packets, before routing.', [['', c.packetsIn]]],
    ['msgtrans_routes', 'gauge', 'Registered message and request routes.', [['', app.routes.length]]],
    ['msgtrans_http_requests_total', 'counter', 'HTTP requests on the ws port.', [['', c.httpRequests]]],
    ['process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [['', mem.rss]]],
    ['process_uptime_seconds', 'gauge', 'Seconds since the HTTP plugin started.', [['', uptime]]],
  ]
  let out = ''
  for (const [name, type, help, samples] of metrics) {
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`
    for (const [labels, value] of samples) out += `${name}${labels} ${value}\n`
  }
  return out
}

/** Content type of the Prometheus text format. */
export const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
