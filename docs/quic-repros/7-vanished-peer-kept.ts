// Defect 7: a peer that vanished is never noticed when BOTH sides set maxIdleTimeout.
// The server endpoint is destroyed (as a crashed process or Worker would be); the client
// keeps sending PINGs into the void. With maxIdleTimeout 2 s on both sides the client
// session is still open after 20 s; when the server leaves it unset (Bun's default, 10 s)
// the client notices at ~10 s. (Our client and server both set it: see docs/quic.md.)
// Run: bun docs/quic-repros/7-vanished-peer-kept.ts
import { connect, listen, QuicEndpoint } from 'node:quic'
import { id } from './common.ts'

const idle = { transportParams: { maxIdleTimeout: 2_000 } }
const trials = [trial('both sides set maxIdleTimeout', idle), trial('the server leaves it unset', {})]
for (const line of await Promise.all(trials)) console.log(line)
process.exit(0)

async function trial(name: string, serverExtra: Record<string, unknown>): Promise<string> {
  const endpoint = new QuicEndpoint({ address: '127.0.0.1:0' })
  listen((s) => s.closed.catch(() => {}), {
    endpoint,
    alpn: ['msgtrans'],
    sni: { '*': { keys: [id.key], certs: [Buffer.from(id.certPem)] } },
    ...serverExtra,
  } as never)
  const addr = `127.0.0.1:${endpoint.address!.port}`
  const c = await connect(addr, { alpn: 'msgtrans', verifyPeer: 'manual', keepAlive: 500, ...idle } as never)
  await c.opened
  const t0 = Date.now()
  endpoint.destroy()
  const noticed = c.closed.then(() => Date.now() - t0, () => Date.now() - t0)
  const ms = await Promise.race([noticed, Bun.sleep(20_000).then(() => -1)])
  return `${name}: the client ${ms < 0 ? 'is still open after 20 s' : `noticed after ${ms} ms`}`
}
