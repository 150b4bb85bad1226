/**
 * HTTP beside messaging, with Elysia: `http()` serves an Elysia instance (plus /health,
 * /metrics, /docs, /asyncapi.json, /msgtrans.js) on the WebSocket port of an app, and
 * `msgtrans()` mounts an app into an existing Elysia server. See docs/http-and-client.md.
 *
 * @example
 * import { http, msgtrans } from 'msgtrans/http'
 */
export { http, builtins, type HttpOptions } from './http.ts'
export { msgtrans, type MountOptions } from './plugin.ts'
export { asyncApiDocument, type AsyncApiOptions, type DocumentedApp } from './asyncapi.ts'
export { toJsonSchema, type JsonSchema } from './json-schema.ts'
export { AppCounters, prometheusText, PROMETHEUS_TYPE } from './metrics.ts'
export { buildBrowserClient, browserClient, browserStubs, BROWSER_ENTRY } from './client-bundle.ts'
