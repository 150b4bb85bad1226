import { openapi, type ElysiaOpenAPIConfig } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { z } from 'zod'
import type { Msgtrans } from '../app/index.ts'
import { asyncApiDocument, type AsyncApiOptions } from './asyncapi.ts'
import { browserClient } from './client-bundle.ts'
import { AppCounters, prometheusText, PROMETHEUS_TYPE } from './metrics.ts'

type AnyApp = Msgtrans<any, any, any, any>
type AnyElysia = Elysia<any, any, any, any, any, any, any>

/** Options of the `http()` plugin. Set a path to `false` to leave that route out. */
export interface HttpOptions {
  /** Liveness: `{ status: 'ok', sessions, uptime }` (default '/health'). */
  health?: string | false
  /** Prometheus text (default '/metrics'). */
  metrics?: string | false
  /** OpenAPI UI of the HTTP routes; the JSON is at `<docs>/json` (default '/docs'). */
  docs?: string | false
  /** AsyncAPI 3 document of the message routes (default '/asyncapi.json'). */
  asyncapi?: string | false
  /** The browser client bundle, an ES module (default '/msgtrans.js'). */
  client?: string | false
  /** Title, version and description used by both API documents. */
  info?: { title?: string; version?: string; description?: string }
  /** More @elysiajs/openapi settings (provider, exclude, documentation...). */
  openapi?: Omit<ElysiaOpenAPIConfig, 'path' | 'specPath'>
  /** More AsyncAPI settings (servers are filled from the request when omitted). */
  asyncapiOptions?: Omit<AsyncApiOptions, 'title' | 'version' | 'description'>
  /** Appended to /metrics (other exporters, e.g. PerformanceMetrics). */
  extraMetrics?: () => string
}

/**
 * Serves HTTP beside the message routes on the WebSocket port with a real Elysia
 * instance: `setup` receives it with /health, /metrics, /docs (OpenAPI via
 * @elysiajs/openapi), /asyncapi.json and /msgtrans.js already mounted, and adds routes
 * the Elysia way. Pass an existing Elysia app instead of a function to serve that one.
 *
 * @example
 * const app = new Msgtrans({ ws: { port: 7002 } })
 *   .request('chat/history', { body: z.object({ room: z.string() }) }, ({ body }) => db.history(body.room))
 *   .use(http((e) => e.get('/rooms', () => ['lobby'])))
 * await app.listen() // ws://host:7002 for messages, http://host:7002/rooms, /docs, /asyncapi.json
 */
export function http(setup?: ((elysia: AnyElysia) => AnyElysia) | AnyElysia, opts: HttpOptions = {}) {
  return <A extends AnyApp>(app: A): A => {
    const counters = new AppCounters()
    counters.install(app)
    const base = builtins(app, counters, opts)
    const elysia = typeof setup === 'function' ? setup(base) : setup ? base.use(setup) : base
    app.serveHttp((req) => {
      counters.httpRequests++
      return elysia.handle(req)
    })
    return app
  }
}

/**
 * The built-in routes as an Elysia instance (what `http()` starts from); useful to add
 * them to an Elysia app that mounts msgtrans with `msgtrans()`.
 *
 * @example
 * new Elysia().use(builtins(chat, new AppCounters())).use(msgtrans(chat, { path: '/ws' }))
 */
export function builtins(app: AnyApp, counters: AppCounters, opts: HttpOptions = {}): AnyElysia {
  const path = (p: string | false | undefined, d: string) => (p === false ? undefined : (p ?? d))
  const health = path(opts.health, '/health')
  const metrics = path(opts.metrics, '/metrics')
  const docs = path(opts.docs, '/docs')
  const asyncapi = path(opts.asyncapi, '/asyncapi.json')
  const client = path(opts.client, '/msgtrans.js')
  const hidden = { detail: { hide: true } }
  let e: AnyElysia = new Elysia({ name: 'msgtrans-http' })
  if (docs) {
    const info = { title: opts.info?.title ?? 'msgtrans app', version: opts.info?.version ?? '1.0.0' }
    const documentation = { ...opts.openapi?.documentation, info: { ...info, ...opts.info } }
    const mapJsonSchema = { zod: zodToOpenApi, ...opts.openapi?.mapJsonSchema }
    const specPath = `${docs}/json`
    e = e.use(openapi({ ...opts.openapi, path: docs, specPath, documentation, mapJsonSchema }))
  }
  const status = () => ({ status: 'ok', sessions: sessionCount(app), uptime: uptime(counters) })
  if (health) e = e.get(health, status, hidden)
  if (metrics) {
    e = e.get(metrics, () => {
      const text = prometheusText(app, counters) + (opts.extraMetrics?.() ?? '')
      return new Response(text, { headers: { 'content-type': PROMETHEUS_TYPE } })
    }, hidden)
  }
  if (asyncapi) {
    e = e.get(asyncapi, ({ request }) => {
      const host = request.headers.get('host') ?? new URL(request.url).host
      const description = 'msgtrans v1 over WebSocket'
      const servers = opts.asyncapiOptions?.servers ?? { ws: { host, protocol: 'ws', description } }
      return asyncApiDocument(app, { ...opts.info, ...opts.asyncapiOptions, servers })
    }, hidden)
  }
  if (client) {
    e = e.get(client, async () => new Response(await browserClient(), { headers: JS_HEADERS }), hidden)
  }
  return e
}

/** zod 4.1 has no `~standard.jsonSchema`; OpenAPI 3.1 schema objects carry no `$schema`. */
function zodToOpenApi(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  return rest
}

const JS_HEADERS = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }

function sessionCount(app: AnyApp): number {
  try {
    return app.sessions.size
  } catch {
    return 0
  }
}

function uptime(c: AppCounters): number {
  return Math.round((Date.now() - c.started) / 1000)
}
