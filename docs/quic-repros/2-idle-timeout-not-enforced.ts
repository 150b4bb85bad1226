// Defect 2: transportParams.maxIdleTimeout is advertised but not enforced: with 400 ms
// on both sides and no keepAlive option, a silent session is still open after 3 s, and
// both ends send PINGs about once a second on their own.
// Run: bun docs/quic-repros/2-idle-timeout-not-enforced.ts
import { connect } from 'node:quic'
import { server } from './common.ts'

const t0 = Date.now()
const opts = { transportParams: { maxIdleTimeout: 400 } }
const addr = server((s) => {
  s.opened.then(() => console.log('server sees local/remote maxIdleTimeout',
    s.localTransportParams?.maxIdleTimeout, s.remoteTransportParams?.maxIdleTimeout))
  s.closed.then(() => console.log(Date.now() - t0, 'ms: server session closed (expected ~400 ms)'), () => {})
}, opts)
const c = await connect(addr, { alpn: 'msgtrans', verifyPeer: 'manual', ...opts } as never)
c.closed.then(() => console.log(Date.now() - t0, 'ms: client session closed'), () => {})
await c.opened
setTimeout(() => {
  console.log(c.destroyed ? 'OK: closed by idle timeout' : 'DEFECT: still open after 3000 ms of silence')
  process.exit(0)
}, 3000)
