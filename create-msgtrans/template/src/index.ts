// Entry point: `bun run dev` (watch), `bun start`, or `bun run build` for one executable.
import { createApp } from './app.ts'

const tcpPort = Number(process.env.TCP_PORT ?? 7001)
const wsPort = Number(process.env.WS_PORT ?? 7002)
const app = await createApp({ tcp: { port: tcpPort }, ws: { port: wsPort } }).listen()
console.log(`listening: tcp://127.0.0.1:${app.ports.tcp} ws://127.0.0.1:${app.ports.ws} (native core: ${app.native.kind})`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await app.stop()
    process.exit(0)
  })
}
