import { afterAll, beforeAll, expect, test } from 'bun:test'
import net from 'node:net'
import { connect, Msgtrans } from '../../src/index.ts'
import { TcpFramer } from '../../src/protocol/index.ts'
import { waitFor } from '../helpers/wait.ts'

const host = '127.0.0.1'
const app = new Msgtrans({ tcp: { port: 0, hostname: host }, log: () => {} })
beforeAll(async () => {
  await app.listen()
})
afterAll(() => app.stop())

const inUse = () => app.native.buffers.stats().reduce((s, t) => s + t.inUse, 0)
const acquired = () => app.native.buffers.stats().reduce((s, t) => s + t.hits + t.misses, 0)

test('a publish encodes once into a pooled buffer; a stalled subscriber holds it until drained', async () => {
  const fast = await Promise.all([0, 1].map(() => connect(`tcp://${host}:${app.ports.tcp}`)))
  for (const c of fast) await c.subscribe('feed')
  let fastGot = 0
  for (const c of fast) c.on('feed/item', () => fastGot++)

  // A raw subscriber that stops reading: its queue must keep the pooled bytes alive.
  const framer = new TcpFramer()
  let slowGot = 0
  const sock = net.connect(app.ports.tcp!, host)
  sock.on('data', (chunk) => framer.push(new Uint8Array(chunk as Buffer), (p) => p.type === 0 && slowGot++))
  await new Promise<void>((r) => sock.once('connect', () => r()))
  const sub = new TextEncoder().encode('{"topic":"feed"}')
  const ext = new TextEncoder().encode('route:$subscribe')
  sock.write(new Uint8Array([1, 0, 1, 0, 0, 0, 0, 1, 0, ext.length, 0, 0, 0, sub.length, 0, 4, ...ext, ...sub]))
  await waitFor(() => app.subscribers('feed') === 3, 5_000, 'three subscribers')
  sock.pause()

  const baseInUse = inUse()
  const baseAcquired = acquired()
  const payload = new Uint8Array(64 * 1024 - 100).fill(7)
  const N = 200
  for (let i = 0; i < N; i++) app.publish('feed', 'feed/item', payload)
  // One buffer acquired per publish, not per subscriber.
  expect(acquired() - baseAcquired).toBe(N)
  await waitFor(() => fastGot === 2 * N, 10_000, 'fast subscribers')
  // The stalled subscriber's queue still references pooled packets.
  expect(inUse()).toBeGreaterThan(baseInUse)
  sock.resume()
  await waitFor(() => slowGot === N, 10_000, 'slow subscriber catches up')
  await waitFor(() => inUse() === baseInUse, 5_000, 'every pooled buffer returned')
  sock.destroy()
  await Promise.all(fast.map((c) => c.close()))
})
