// Runs the chat server: `bun examples/chat/server.ts` (TCP 7001, WebSocket 7002).
import { createChatApp } from './app.ts'

const tcpPort = Number(process.env.TCP_PORT ?? 7001)
const wsPort = Number(process.env.WS_PORT ?? 7002)
const app = await createChatApp({ tcp: { port: tcpPort }, ws: { port: wsPort } }).listen()
console.log(`chat: tcp://127.0.0.1:${app.ports.tcp} ws://127.0.0.1:${app.ports.ws} (native core: ${app.native.kind})`)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    await app.stop()
    process.exit(0)
  })
}
