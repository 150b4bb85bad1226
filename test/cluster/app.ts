/**
 * The cluster e2e fixture: a user's app module, loaded by the primary and by every
 * worker. Ports come from the environment (a fixed free port picked by the test).
 */
import { clusterStats } from '../../src/cluster/index.ts'
import { heartbeat, Msgtrans, workerIndex } from '../../src/index.ts'
import { loadNative } from '../../src/native/index.ts'

const workers = Number(process.env.WORKERS ?? 2)
const app: Msgtrans<any, any, any> = new Msgtrans({
  tcp: { port: Number(process.env.TCP_PORT ?? 0), hostname: '127.0.0.1' },
  ws: { port: Number(process.env.WS_PORT ?? 0), hostname: '127.0.0.1' },
  // Port 0: the primary probes a free UDP port; worker 0 serves QUIC (dev certificate).
  quic: { port: Number(process.env.QUIC_PORT ?? 0), hostname: '127.0.0.1' },
  drainTimeout: Number(process.env.DRAIN_MS ?? 5_000),
})
  .primary(({ workers }) => console.log(`primary: starting ${workers} workers`))
  // Echoes 0xFE heartbeats: a QUIC client of a crashed worker notices by the silence.
  .use(heartbeat())
  .request('whoami', ({ session }) => ({ worker: workerIndex(), id: session.id }))
  .request('owner', ({ body }) => ({ owner: app.ownerOf((body as { id: number }).id) }))
  .request('sendTo', ({ body }) => {
    const { id, text } = body as { id: number; text: string }
    return { result: app.send(id, 'note', { text, from: workerIndex() }) }
  })
  .request('ask', async ({ body }) => {
    const { id, q } = body as { id: number; q: unknown }
    return { answer: await app.requestSession(id, 'question', q), via: workerIndex() }
  })
  .request('viaRef', async ({ body }) => {
    const { id, q } = body as { id: number; q: unknown }
    const ref = app.session(id)
    ref.send('note', { text: 'ref', from: workerIndex() })
    return { owner: ref.owner, answer: await ref.request('question', q) }
  })
  .request('publish', ({ body, publish }) => {
    const { topic, seq } = body as { topic: string; seq: number }
    publish(topic, 'news', { seq, from: workerIndex() })
    return { ok: true }
  })
  .request('burst', ({ body }) => {
    const { id, n, tag = 'b' } = body as { id: number; n: number; tag?: string }
    const before = clusterStats()!.wakeups
    let sent = 0
    for (let i = 0; i < n; i++) if (app.send(id, 'note', { text: `${tag}${i}`, from: workerIndex() }) === 'sent') sent++
    return { sent, before }
  })
  .request('stats', () => clusterStats())
  // The process-wide buffer pool (Zig core: one pool for every worker), per tier.
  .request('pool', () => ({ inUse: loadNative().buffers.stats().map((t) => t.inUse) }))
  .request('flood', ({ body, publish }) => {
    const { topic, n, size } = body as { topic: string; n: number; size: number }
    const text = 'x'.repeat(size)
    for (let i = 0; i < n; i++) publish(topic, 'news', { seq: i, from: workerIndex(), text })
    return { ok: true }
  })
  .request('sendThenKick', ({ body }) => {
    const { id, n } = body as { id: number; n: number }
    for (let i = 0; i < n; i++) app.send(id, 'note', { text: `last${i}`, from: workerIndex() })
    return { ok: app.closeSession(id, 4000, 'kicked') }
  })
  .request('kick', ({ body }) => ({ ok: app.closeSession((body as { id: number }).id, 4000, 'kicked') }))
  .request('slow', async ({ body, session }) => {
    session.send('started', { worker: workerIndex() })
    await Bun.sleep((body as { ms: number }).ms)
    return { done: true, worker: workerIndex() }
  })
  .request('crash', () => {
    setTimeout(() => process.exit(7), 0)
    return { bye: workerIndex() }
  })

await app.listen({ workers })
if (app.cluster) {
  const status = app.cluster.status()
  console.log(`ready ${JSON.stringify({ ports: app.ports, status })}`)
  if (process.env.STOP_ON_STDIN === '1') {
    // The test writes one line; app.stop() in the primary drains every worker.
    for await (const _ of console) {
      await app.stop(3_000)
      console.log('stopped')
      break
    }
  }
}
