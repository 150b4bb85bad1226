// Defect 1: writer.write() is documented as "async write with drain wait", but once the
// 64 KiB buffer is full it rejects with ERR_INVALID_STATE instead of waiting.
// Run: bun docs/quic-repros/1-async-write-does-not-wait.ts
import { connect } from 'node:quic'
import { server } from './common.ts'

const addr = server((s) => (s.onstream = async (st) => { for await (const _ of st); }))
const c = await connect(addr, { alpn: 'msgtrans', verifyPeer: 'manual' } as never)
await c.opened
const st = (await c.createBidirectionalStream()) as any
const chunk = new Uint8Array(64 * 1024)
console.log('writeSync', st.writer.writeSync(chunk), 'desiredSize', st.writer.desiredSize)
try {
  await st.writer.write(chunk) // expected: resolves after drain
  console.log('OK: write() waited for drain')
} catch (e) {
  console.log('DEFECT: write() rejected:', (e as any).code, (e as Error).message)
}
// Workaround: the stream/iter drainable protocol resolves on drain.
await st.writer[Symbol.for('Stream.drainableProtocol')]()
console.log('after drainable: writeSync', st.writer.writeSync(chunk))
process.exit(0)
