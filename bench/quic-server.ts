/**
 * Echo server for bench/quic-echo.ts: one app serving TCP, WebSocket and QUIC on
 * 127.0.0.1 (port 0). Prints `{"ports":…}` once listening; answers each stdin line
 * `cpu` with `{"cpuUs": user+system µs}` so the orchestrator can bill CPU per phase.
 */
import { Msgtrans } from '../src/index.ts'

const app = await new Msgtrans({
  tcp: { port: 0, hostname: '127.0.0.1' },
  ws: { port: 0, hostname: '127.0.0.1' },
  quic: { port: 0, hostname: '127.0.0.1' },
  log: () => {},
})
  .request('echo', { biz: 1, codec: 'raw' }, ({ body }) => body)
  .listen()

console.log(JSON.stringify({ ports: app.ports }))
const decoder = new TextDecoder()
for await (const chunk of Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>) {
  for (const line of decoder.decode(chunk).split('\n')) {
    if (line.trim() === 'cpu') {
      const u = process.cpuUsage()
      console.log(JSON.stringify({ cpuUs: u.user + u.system }))
    }
    if (line.trim() === 'exit') {
      await app.stop(1_000)
      process.exit(0)
    }
  }
}
