import { afterAll, beforeAll, expect, test } from 'bun:test'
import net from 'node:net'
import { Msgtrans } from '../../src/index.ts'
import { TcpFramer, type Packet } from '../../src/protocol/index.ts'
import { waitFor } from '../helpers/wait.ts'

const host = '127.0.0.1'
const COUNT = 24
const SIZE = 1 << 20
const app = new Msgtrans({ tcp: { port: 0, hostname: host }, log: () => {} }).request('flood', ({ session }) => {
  const results: string[] = []
  for (let i = 0; i < COUNT; i++) {
    const payload = new Uint8Array(SIZE).fill(i)
    results.push(session.send({ biz: 1 }, payload))
  }
  return results
})

beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

test('a reader that stops reading gets every byte, in order, once it resumes', async () => {
  const framer = new TcpFramer()
  const got: Packet[] = []
  const sock = net.connect(app.ports.tcp!, host)
  sock.on('data', (chunk) => framer.push(new Uint8Array(chunk as Buffer), (p) => got.push({ ...p, payload: p.type === 2 ? p.payload.slice() : p.payload.slice(0, 4) })))
  await new Promise<void>((r) => sock.once('connect', () => r()))
  sock.pause()
  // Ask for 24 MiB while not reading: the kernel buffers fill, the server queues the rest.
  const req = new Uint8Array([1, 0, 1, 0, 0, 0, 0, 9, 0, 11, 0, 0, 0, 0, 0, 4, ...new TextEncoder().encode('route:flood')])
  sock.write(req)
  await waitFor(() => [...app.sessions.values()].some((s) => s.connection.bufferedAmount > 0), 10_000, 'server queue')
  const s = [...app.sessions.values()][0]!
  expect(s.connection.bufferedAmount).toBeGreaterThan(0)
  sock.resume()
  await waitFor(() => got.length === COUNT + 1, 20_000, 'all packets')
  const pushes = got.filter((p) => p.type === 0)
  expect(pushes.map((p) => p.payload[0])).toEqual([...Array(COUNT).keys()])
  const response = got.find((p) => p.type === 2)!
  const results = JSON.parse(new TextDecoder().decode(response.payload)) as string[]
  expect(results).toHaveLength(COUNT)
  expect(results).toContain('queued')
  expect(results).not.toContain('dropped')
  sock.destroy()
})
