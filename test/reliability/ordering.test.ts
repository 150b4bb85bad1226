import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, Msgtrans } from '../../src/index.ts'
import { encodePacket, routeExt, type Packet } from '../../src/protocol/index.ts'
import { rng } from '../helpers/random.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { waitFor } from '../helpers/wait.ts'
import { host } from './helpers.ts'

const N = 2_000
const seen = new Map<number, number[]>()
const app = new Msgtrans({ tcp: { port: 0, hostname: host }, ws: { port: 0, hostname: host }, log: () => {} })
  .message('seq', { codec: 'raw' }, ({ body, session }) => {
    let list = seen.get(session.id)
    if (!list) seen.set(session.id, (list = []))
    list.push(new DataView(body.buffer, body.byteOffset).getUint32(0))
  })
  .request('id', ({ session }) => session.id)
  .request('echo', ({ body }) => body)
  .request('burst', ({ body, session }) => {
    const { count, seed } = body as { count: number; seed: number }
    const rand = rng(seed)
    for (let i = 0; i < count; i++) {
      const size = rand() < 0.1 ? 4 + Math.floor(rand() * 200_000) : 4 + Math.floor(rand() * 64)
      const payload = new Uint8Array(size)
      new DataView(payload.buffer).setUint32(0, i)
      if (session.send({ biz: 5 }, payload) === 'dropped') throw new Error('dropped')
    }
    return count
  })
beforeAll(() => app.listen())
afterAll(() => app.stop())

const u32 = (i: number) => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, i)
  return b
}

for (const transport of ['tcp', 'ws'] as const) {
  describe(`per-connection order over ${transport}`, () => {
    const url = () => `${transport}://${host}:${app.ports[transport]}`

    test(`${N} one-way packets from two interleaved clients arrive in send order`, async () => {
      const [a, b] = await Promise.all([connect<any>(url()), connect<any>(url())])
      const ids = [await a.request('id'), await b.request('id')] as number[]
      for (let i = 0; i < N; i++) {
        a.send('seq', u32(i))
        b.send('seq', u32(i))
      }
      await waitFor(() => ids.every((id) => seen.get(id)?.length === N), 10_000, 'all packets')
      for (const id of ids) expect(seen.get(id)).toEqual([...Array(N).keys()])
      await Promise.all([a.close(), b.close()])
    })

    test('pipelined requests are answered in order', async () => {
      const c = await connect<any>(url())
      const order: number[] = []
      await Promise.all([...Array(500).keys()].map((i) => c.request('echo', i).then((v: number) => order.push(v))))
      expect(order).toEqual([...Array(500).keys()])
      await c.close()
    })

    test('server pushes of mixed sizes (partial writes, queued bytes) arrive in order', async () => {
      const c = await connect<any>(url())
      const got: number[] = []
      c.on(5, (_b: unknown, p: Packet) => void got.push(new DataView(p.payload.buffer, p.payload.byteOffset).getUint32(0)))
      expect(await c.request('burst', { count: 300, seed: 7 })).toBe(300)
      await waitFor(() => got.length === 300, 10_000, 'all pushes')
      expect(got).toEqual([...Array(300).keys()])
      await c.close()
    })
  })
}

test('TCP: a packet stream cut into random chunks (1..40 bytes) keeps its order', async () => {
  const peer = await rawTcp(app.ports.tcp!)
  peer.write(encodePacket({ type: 1, id: 1, ext: routeExt('id') }))
  await waitFor(() => peer.packets.length === 1, 3_000, 'id')
  const id = Number(new TextDecoder().decode(peer.packets[0]!.payload))
  const parts = [...Array(500).keys()].map((i) => encodePacket({ id: i + 2, ext: routeExt('seq'), payload: u32(i) }))
  const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((o, p) => (stream.set(p, o), o + p.length), 0)
  const rand = rng(42)
  for (let o = 0; o < stream.length; ) {
    const n = 1 + Math.floor(rand() * 40)
    peer.write(stream.subarray(o, o + n))
    o += n
    if (rand() < 0.05) await Promise.resolve()
  }
  await waitFor(() => seen.get(id)?.length === 500, 5_000, 'chunked stream')
  expect(seen.get(id)).toEqual([...Array(500).keys()])
  peer.socket.end()
})
