// Not a defect, the interop limit: a client cannot offer "no ALPN" (the Rust crate's
// ClientHello), and the server refuses a ClientHello without ALPN (RFC 9001 §8.1).
// Run: bun docs/quic-repros/4-no-alpn.ts
import { connect } from 'node:quic'
import { server } from './common.ts'

const addr = server((s) => {
  s.opened.catch((e) => console.log('server: opened rejected:', (e as Error).message))
  s.closed.catch(() => {})
})
for (const alpn of ['', [], null]) {
  try {
    await connect(addr, { alpn, verifyPeer: 'manual' } as never)
  } catch (e) {
    console.log(JSON.stringify(alpn), '->', (e as any).code, (e as Error).message)
  }
}
const c = await connect(addr, { verifyPeer: 'manual' } as never) // alpn omitted: offers h3
await c.opened.then(
  (i) => console.log('alpn omitted -> negotiated', i.protocol),
  (e) => console.log('alpn omitted ->', (e as Error).message),
)
process.exit(0)
