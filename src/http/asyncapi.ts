import type { StandardSchemaV1 } from '../app/index.ts'
import { toJsonSchema, type JsonSchema } from './json-schema.ts'

/** What the generator reads from an app (its `routes` and `pushes` getters). */
export interface DocumentedApp {
  readonly routes: ReadonlyArray<{
    name: string
    kind: 'message' | 'request'
    biz: number | undefined
    body: StandardSchemaV1 | undefined
    response: StandardSchemaV1 | undefined
  }>
  readonly pushes: ReadonlyArray<{
    name: string
    biz: number | undefined
    body: StandardSchemaV1 | undefined
  }>
}

/** Options of the AsyncAPI document. */
export interface AsyncApiOptions {
  title?: string
  version?: string
  description?: string
  /** Servers by name, e.g. `{ ws: { host: 'example.com:7002', protocol: 'ws' } }`. */
  servers?: Record<string, { host: string; protocol: string; pathname?: string; description?: string }>
  /** Document the built-in `$subscribe` / `$unsubscribe` routes (default true). */
  topics?: boolean
}

type Doc = Record<string, any>

const ERROR_PAYLOAD: JsonSchema = {
  type: 'object',
  description: 'Error envelope: sent as a response with ext header "error" when a request fails.',
  properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
  required: ['code', 'message'],
}
const TOPIC_BODY: JsonSchema = {
  type: 'object',
  properties: { topic: { type: 'string', minLength: 1, maxLength: 256 } },
  required: ['topic'],
}
const TOPIC_REPLY: JsonSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, topic: { type: 'string' } },
  required: ['ok', 'topic'],
}

/**
 * Builds an AsyncAPI 3.0.0 document from an app's routes: one channel per route
 * (address = route name), `receive` operations for message and request routes (requests
 * with a `reply`), `send` operations for declared pushes; payloads are the JSON Schemas
 * of the zod (Standard Schema) bodies, biz types are in `x-msgtrans-biz`.
 *
 * @example
 * const doc = asyncApiDocument(app, { title: 'chat', version: '1.0.0' })
 */
export function asyncApiDocument(app: DocumentedApp, opts: AsyncApiOptions = {}): Doc {
  const doc: Doc = {
    asyncapi: '3.0.0',
    info: {
      title: opts.title ?? 'msgtrans app',
      version: opts.version ?? '1.0.0',
      description: opts.description ?? DESCRIPTION,
    },
    defaultContentType: 'application/json',
    channels: {},
    operations: {},
  }
  if (opts.servers && Object.keys(opts.servers).length > 0) doc.servers = opts.servers
  const routes: RouteLike[] = [...app.routes]
  if (opts.topics ?? true) routes.push(...TOPIC_ROUTES)
  for (const r of routes as RouteLike[]) addRoute(doc, r)
  for (const p of app.pushes) addPush(doc, p)
  return doc
}

const DESCRIPTION =
  'msgtrans v1 over WebSocket (one binary frame per packet) or TCP. A route is addressed by ' +
  'the ext header "route:<name>" (flag 0x4) or by its biz_type; payloads are JSON.'

const TOPIC_ROUTES = [
  { name: '$subscribe', kind: 'request', biz: undefined, body: TOPIC_BODY, response: TOPIC_REPLY },
  { name: '$unsubscribe', kind: 'request', biz: undefined, body: TOPIC_BODY, response: TOPIC_REPLY },
] as const

type RouteLike = {
  name: string
  kind: 'message' | 'request'
  biz: number | undefined
  body: StandardSchemaV1 | JsonSchema | undefined
  response: StandardSchemaV1 | JsonSchema | undefined
}

function addRoute(doc: Doc, r: RouteLike): void {
  const id = channelId(r.name)
  const messages: Doc = { [`${id}.request`]: message(r.name, r.biz, schemaOf(r.body, 'input')) }
  const op: Doc = {
    action: 'receive',
    summary: `${r.kind === 'request' ? 'Request' : 'One-way message'} "${r.name}"`,
    channel: { $ref: `#/channels/${id}` },
    messages: [{ $ref: `#/channels/${id}/messages/${id}.request` }],
  }
  if (r.kind === 'request') {
    messages[`${id}.response`] = message(`${r.name} response`, r.biz, schemaOf(r.response, 'output'))
    messages[`${id}.error`] = message(`${r.name} error`, r.biz, ERROR_PAYLOAD)
    op.reply = {
      channel: { $ref: `#/channels/${id}` },
      messages: [
        { $ref: `#/channels/${id}/messages/${id}.response` },
        { $ref: `#/channels/${id}/messages/${id}.error` },
      ],
    }
  }
  doc.channels[id] = { address: r.name, messages }
  doc.operations[id] = op
}

function addPush(doc: Doc, p: DocumentedApp['pushes'][number]): void {
  const id = `push.${channelId(p.name)}`
  const payload = schemaOf(p.body, 'output')
  doc.channels[id] = { address: p.name, messages: { [`${id}.message`]: message(p.name, p.biz, payload) } }
  doc.operations[id] = {
    action: 'send',
    summary: `Push "${p.name}" (one-way, to a session or to every subscriber of a topic)`,
    channel: { $ref: `#/channels/${id}` },
    messages: [{ $ref: `#/channels/${id}/messages/${id}.message` }],
  }
}

function message(name: string, biz: number | undefined, payload: JsonSchema): Doc {
  const m: Doc = { name: channelId(name), title: name, contentType: 'application/json', payload }
  if (biz !== undefined) m['x-msgtrans-biz'] = biz
  return m
}

function schemaOf(s: StandardSchemaV1 | JsonSchema | undefined, io: 'input' | 'output'): JsonSchema {
  if (s && '~standard' in s) return toJsonSchema(s as StandardSchemaV1, io)
  return (s as JsonSchema | undefined) ?? {}
}

/** Channel and operation ids must match ^[\w\d.\-_]+$; route names may hold '/' or '$'. */
function channelId(name: string): string {
  return name.replace(/[^\w.-]/g, '_')
}
