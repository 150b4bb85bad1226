import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import zlib from 'node:zlib'
import { z } from 'zod'
import { connect, Msgtrans, type Client } from '../../src/index.ts'
import { decodeErrorBody, decodePacket, encodePacket, isErrorExt, routeExt } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'

const host = '127.0.0.1'
const logs: string[] = []
const makeApp = () =>
  new Msgtrans({
    tcp: { port: 0, hostname: host },
    ws: { port: 0, hostname: host },
    limits: { maxPayload: 64 * 1024, maxDecompressed: 256 * 1024 },
    log: (m) => logs.push(m),
  }).request('add', { body: z.object({ a: z.number(), b: z.number() }) }, ({ body }) => body.a + body.b)

let app: ReturnType<typeof makeApp>
let healthy: Client<typeof app>
beforeAll(async () => {
  app = await makeApp().listen()
  healthy = await connect<typeof app>(`tcp://${host}:${app.ports.tcp}`)
})
afterAll(async () => {
  await healthy.close()
  await app.stop()
})

async function stillServes() {
  expect(await healthy.request('add', { a: 2, b: 2 })).toBe(4)
  const fresh = await connect<typeof app>(`ws://${host}:${app.ports.ws}`)
  expect(await fresh.request('add', { a: 1, b: 2 })).toBe(3)
  await fresh.close()
}

function header(overrides: Partial<Record<'version' | 'type' | 'comp', number>> & { payloadLen?: number }) {
  const h = encodePacket({ id: 1 })
  h[0] = overrides.version ?? 1
  h[1] = overrides.comp ?? 0
  h[2] = overrides.type ?? 0
  new DataView(h.buffer).setUint32(10, overrides.payloadLen ?? 0)
  return h
}

describe('hostile TCP input costs one connection, never the server', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['oversize declared length', header({ payloadLen: 64 * 1024 + 1 }), 'E_PAYLOAD_TOO_LARGE'],
    ['unknown version', header({ version: 9 }), 'E_BAD_VERSION'],
    ['unknown packet type', header({ type: 7 }), 'E_BAD_TYPE'],
    ['unknown compression', header({ comp: 5 }), 'E_BAD_COMPRESSION'],
    ['garbage bytes (an HTTP request)', new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'E_BAD_VERSION'],
  ]
  for (const [name, bytes, code] of cases) {
    test(name, async () => {
      const peer = await rawTcp(app.ports.tcp!)
      peer.write(bytes)
      await peer.closed
      const notice = peer.packets.find((p) => isErrorExt(p.ext))
      expect(notice).toBeDefined()
      const body = decodeErrorBody(notice!.payload)
      expect(body.code).toBe('E_PROTOCOL')
      expect(body.details).toBe(code)
      expect(logs.some((l) => l.includes(code))).toBe(true)
      await stillServes()
    })
  }

  test('a client that closes mid-packet is removed cleanly', async () => {
    const before = app.sessions.size
    const peer = await rawTcp(app.ports.tcp!)
    await waitFor(() => app.sessions.size === before + 1)
    const pkt = encodePacket({ type: 1, id: 1, ext: routeExt('add'), payload: new TextEncoder().encode('{"a":1,"b":1}') })
    peer.write(pkt.subarray(0, 20))
    peer.socket.end()
    await waitFor(() => app.sessions.size === before, 3_000, 'session removed')
    await stillServes()
  })

  test('invalid JSON answers E_BAD_JSON and keeps the connection', async () => {
    const peer = await rawTcp(app.ports.tcp!)
    peer.write(encodePacket({ type: 1, id: 5, ext: routeExt('add'), payload: new TextEncoder().encode('{nope') }))
    await waitFor(() => peer.packets.length === 1)
    expect(peer.packets[0]!.id).toBe(5)
    expect(decodeErrorBody(peer.packets[0]!.payload).code).toBe('E_BAD_JSON')
    peer.write(encodePacket({ type: 1, id: 6, ext: routeExt('add'), payload: new TextEncoder().encode('{"a":1,"b":5}') }))
    await waitFor(() => peer.packets.length === 2)
    expect(new TextDecoder().decode(peer.packets[1]!.payload)).toBe('6')
    peer.socket.end()
  })

  test('a decompression bomb is stopped at the cap with E_DECOMPRESS', async () => {
    const bomb = zlib.deflateSync(new Uint8Array(32 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const peer = await rawTcp(app.ports.tcp!)
    peer.write(encodePacket({ type: 1, id: 9, compression: 2, ext: routeExt('add'), payload: bomb }))
    await waitFor(() => peer.packets.length === 1)
    const body = decodeErrorBody(peer.packets[0]!.payload)
    expect(body.code).toBe('E_DECOMPRESS')
    expect(body.message).toContain('E_DECOMPRESSED_TOO_LARGE')
    expect(peer.isClosed()).toBe(false)
    peer.socket.end()
    await stillServes()
  })
})

describe('hostile WebSocket input', () => {
  async function rawWs() {
    const ws = new WebSocket(`ws://${host}:${app.ports.ws}`)
    ws.binaryType = 'arraybuffer'
    const frames: Uint8Array[] = []
    ws.onmessage = (ev) => frames.push(new Uint8Array(ev.data as ArrayBuffer))
    const closed = nextEvent<CloseEvent>((fn) => (ws.onclose = fn))
    await nextEvent((fn) => (ws.onopen = fn))
    return { ws, frames, closed }
  }

  test('a text frame closes with 1003', async () => {
    const { ws, closed } = await rawWs()
    ws.send('hello-text')
    const ev = await closed
    expect(ev.code).toBe(1003)
    expect(ev.reason).toContain('E_TEXT_FRAME')
    await stillServes()
  })

  test('a malformed binary frame closes with 1002 after an error notice', async () => {
    const { ws, frames, closed } = await rawWs()
    ws.send(new Uint8Array([0x02, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))
    const ev = await closed
    expect(ev.code).toBe(1002)
    expect(decodeErrorBody(decodePacket(frames[0]!).payload).details).toBe('E_BAD_VERSION')
    await stillServes()
  })

  test('two packets in one frame are refused (one frame = one packet)', async () => {
    const { ws, closed } = await rawWs()
    const a = encodePacket({ id: 1 })
    ws.send(new Uint8Array([...a, ...a]))
    expect((await closed).reason).toContain('E_FRAME_MISMATCH')
    await stillServes()
  })

  test('a frame above the size limit closes with 1009', async () => {
    const { ws, closed } = await rawWs()
    ws.send(encodePacket({ payload: new Uint8Array(80 * 1024) }))
    expect((await closed).code).toBe(1009)
    await stillServes()
  })
})
