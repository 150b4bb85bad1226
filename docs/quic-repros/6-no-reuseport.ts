// Defect 6: QuicEndpoint ignores `reusePort`, so two Bun Workers cannot share a QUIC port.
// The second endpoint is destroyed with "QUIC endpoint closed: Bind failure (98)"
// (EADDRINUSE). The kernel side is fine: two node:dgram sockets with reusePort in two
// Workers share a port, and every client 4-tuple sticks to one of them.
// Run: bun docs/quic-repros/6-no-reuseport.ts
import dgram from 'node:dgram'
import { listen, QuicEndpoint } from 'node:quic'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { id } from './common.ts'

type Job = { kind: 'quic' | 'udp'; port: number }
type Reply = { port?: number; error?: string; seen?: string[] }

if (isMainThread) await main()
else await serve(workerData as Job)

async function main() {
  // 1. node:quic: the first Worker binds, the second (same port, reusePort) cannot.
  const q1 = spawn({ kind: 'quic', port: 0 })
  const a = await q1.next()
  const b = await spawn({ kind: 'quic', port: a.port! }).next()
  console.log(`quic worker 1: bound ${a.port}; worker 2, same port, reusePort: ${b.error ?? `bound ${b.port}`}`)
  // 2. node:dgram with reusePort: both Workers bind; datagrams from 20 client sockets.
  const u1 = spawn({ kind: 'udp', port: 0 })
  const port = (await u1.next()).port!
  const u2 = spawn({ kind: 'udp', port })
  console.log(`udp worker 2, same port, reusePort: ${(await u2.next()).port === port ? 'bound' : 'failed'}`)
  for (let i = 0; i < 20; i++) {
    const c = dgram.createSocket('udp4')
    await new Promise<void>((r) => c.bind(0, '127.0.0.1', () => r()))
    for (let k = 0; k < 10; k++) c.send('x', port, '127.0.0.1')
  }
  await Bun.sleep(300)
  const [s1, s2] = [await u1.ask(), await u2.ask()]
  const split = s1.seen!.filter((k) => s2.seen!.includes(k)).length
  console.log(`udp clients on worker 1: ${s1.seen!.length}, on worker 2: ${s2.seen!.length}, on both: ${split}`)
  process.exit(0)
}

function spawn(job: Job) {
  const w = new Worker(new URL(import.meta.url).pathname, { workerData: job })
  const next = () => new Promise<Reply>((r) => w.once('message', r))
  return { next, ask: () => (w.postMessage('seen'), next()) }
}

async function serve(job: Job) {
  const post = (m: Reply) => parentPort!.postMessage(m)
  if (job.kind === 'quic') {
    const endpoint = new QuicEndpoint({ address: `127.0.0.1:${job.port}`, reusePort: true } as never)
    endpoint.closed.catch((e: Error) => post({ error: e.message }))
    listen(() => {}, {
      endpoint,
      alpn: ['msgtrans'],
      sni: { '*': { keys: [id.key], certs: [Buffer.from(id.certPem)] } },
    } as never).catch(() => {})
    if (endpoint.address) post({ port: endpoint.address.port })
    return
  }
  const seen = new Set<string>()
  const s = dgram.createSocket({ type: 'udp4', reusePort: true } as never)
  s.on('message', (_m, r) => seen.add(`${r.address}:${r.port}`))
  s.on('error', (e) => post({ error: e.message }))
  s.bind(job.port, '127.0.0.1', () => post({ port: s.address().port }))
  parentPort!.on('message', () => post({ seen: [...seen] }))
}
