/**
 * The msgtrans side of the e2e benchmark, built with the public DSL the way a user would:
 *   echo  (one-way, raw bytes)  -> sends the body back on route "echo"
 *   rr    (request, raw bytes)  -> answers with the body
 *   pub   (one-way, raw bytes)  -> publishes the body to topic "bench" (route "bench/msg")
 * Subscribers join with the built-in `$subscribe` request.
 *
 * Prints one JSON line {"ready":true,"tcp":port,"ws":port,"pid":pid,"native":...} once listening.
 */
import { Msgtrans } from '../../src/index.ts'

export const TOPIC = 'bench'

export function createEchoApp() {
  return new Msgtrans({
    tcp: { port: 0, hostname: '127.0.0.1' },
    ws: { port: 0, hostname: '127.0.0.1' },
    // Every benchmark connection comes from 127.0.0.1; the default 1,000 per IP would
    // refuse the publisher after 1,000 subscribers.
    maxConnections: 20_000,
    maxConnectionsPerIp: 20_000,
  })
    // borrow: the body is only sent on during the handler, so big packets that span
    // socket reads may be collected into reused receive buffers (see RouteOptions.borrow).
    .message('echo', { codec: 'raw', borrow: true }, ({ body, session }) => {
      session.send('echo', body)
    })
    .request('rr', { codec: 'raw', borrow: true }, ({ body }) => body)
    .message('pub', { codec: 'raw', borrow: true }, ({ body, publish }) => {
      publish(TOPIC, 'bench/msg', body)
    })
}

if (import.meta.main) {
  const app = await createEchoApp().listen()
  console.log(JSON.stringify({ ready: true, ...app.ports, pid: process.pid, native: app.native.kind }))
  // Exit through process.exit so `bun --cpu-prof` writes its profile.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => void app.stop(500).finally(() => process.exit(0)))
  }
}
