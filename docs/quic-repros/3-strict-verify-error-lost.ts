// Defect 3: with verifyPeer 'strict' and an untrusted (self-signed) server cert, the
// client's `opened` rejects with the generic "Session was destroyed before it opened";
// the cause (TLS alert unknown_ca, QUIC transport error 304 = 0x130) is only visible
// on the server, and the client's `closed` does not reject with it either.
// Run: bun docs/quic-repros/3-strict-verify-error-lost.ts
import { connect } from 'node:quic'
import { server } from './common.ts'

const addr = server((s) => {
  s.opened.catch((e) => console.log('server: opened rejected:', (e as Error).message))
  s.closed.catch(() => {})
})
const c = await connect(addr, { alpn: 'msgtrans', verifyPeer: 'strict' } as never)
c.closed.catch((e) => console.log('closed rejected:', (e as Error).message))
await c.opened.catch((e) => console.log('opened rejected:', (e as Error).message))
setTimeout(() => process.exit(0), 500)
