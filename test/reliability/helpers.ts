import { z } from 'zod'
import { connect, Msgtrans, type MsgtransConfig } from '../../src/index.ts'
import { decodeErrorBody, isErrorExt, type Packet } from '../../src/protocol/index.ts'
import { nextEvent } from '../helpers/wait.ts'

export const host = '127.0.0.1'

/** A small app with the routes the hostile-case tests poke at. */
export function reliabilityApp(config: MsgtransConfig = {}) {
  const waiting: Array<() => void> = []
  const gate = () => new Promise<void>((r) => void waiting.push(r))
  const app = new Msgtrans({
    tcp: { port: 0, hostname: host },
    ws: { port: 0, hostname: host },
    log: () => {},
    ...config,
  })
    .request('add', { body: z.object({ a: z.number(), b: z.number() }) }, ({ body }) => body.a + body.b)
    .request('echo', ({ body }) => body)
    .request('boom', () => {
      throw new Error('kaboom')
    })
    .request('hang', () => new Promise(() => {}))
    .request('gated', async () => {
      await gate()
      return 'released'
    })
    .request('admin/secret', () => 'secret')
    .message('note', () => {})
  /** Lets every `gated` request waiting now finish. */
  return Object.assign(app, { release: () => waiting.splice(0).forEach((r) => r()) })
}
export type ReliabilityApp = ReturnType<typeof reliabilityApp>

/** Asserts the app still answers a fresh client on both transports. */
export async function stillServes(app: ReliabilityApp, clientOpts: Record<string, unknown> = {}): Promise<void> {
  for (const url of [`tcp://${host}:${app.ports.tcp}`, `ws://${host}:${app.ports.ws}`]) {
    const c = await connect<any>(url, { timeout: 3_000, ...clientOpts })
    if (clientOpts.token !== undefined) await c.request('$auth', clientOpts.token)
    const sum = await c.request('add', { a: 2, b: 3 })
    await c.close()
    if (sum !== 5) throw new Error(`healthy client got ${sum}`)
  }
}

/** The first error envelope among packets, decoded. */
export function firstError(packets: Packet[]) {
  const p = packets.find((x) => isErrorExt(x.ext))
  return p ? decodeErrorBody(p.payload) : undefined
}

/** A raw WebSocket: frames collected, close awaited. */
export async function rawWs(url: string, init?: { headers?: Record<string, string> }) {
  const ws = new WebSocket(url, init as never)
  ws.binaryType = 'arraybuffer'
  const frames: Uint8Array[] = []
  ws.onmessage = (ev) => frames.push(new Uint8Array(ev.data as ArrayBuffer))
  const closed = nextEvent<CloseEvent>((fn) => (ws.onclose = fn))
  const opened = await Promise.race([
    nextEvent<boolean>((fn) => (ws.onopen = () => fn(true))),
    closed.then(() => false),
  ])
  return { ws, frames, closed, opened }
}
