// Defect 4: session.destroy() on the server sends no CONNECTION_CLOSE. The client learns
// only when it next sends (observed: ~1.4 s, its own PING draws a stateless reset,
// "QUIC transport error 1"); if the endpoint is destroyed too, only at its idle
// timeout (~10 s). Run: bun docs/quic-repros/5-destroy-is-silent.ts
import { connect } from 'node:quic'
import { server } from './common.ts'

const t0 = Date.now()
let serverSession: any
const addr = server((s) => {
  serverSession = s
  s.closed.catch(() => {})
})
const c = await connect(addr, { alpn: 'msgtrans', verifyPeer: 'manual' } as never)
await c.opened
await new Promise((r) => setTimeout(r, 100))
serverSession.destroy()
console.log(Date.now() - t0, 'ms: server session destroyed')
c.closed.then(
  () => console.log(Date.now() - t0, 'ms: client noticed (expected: at once)'),
  (e) => console.log(Date.now() - t0, 'ms: client noticed:', (e as Error).message),
)
setTimeout(() => process.exit(0), 15_000)
