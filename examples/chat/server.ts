// Runs the chat server: `bun examples/chat/server.ts` (TCP 7001, WebSocket 7002).
// The web page is served on the WebSocket port: http://127.0.0.1:7002/
import { createChatApp } from './app.ts'
import { chatWeb } from './web.ts'

const tcpPort = Number(process.env.TCP_PORT ?? 7001)
const wsPort = Number(process.env.WS_PORT ?? 7002)
const app = await createChatApp({ tcp: { port: tcpPort }, ws: { port: wsPort } }).use(chatWeb()).listen()
console.log(`chat: tcp://127.0.0.1:${app.ports.tcp} ws://127.0.0.1:${app.ports.ws} (native core: ${app.native.kind})`)
console.log(`chat: web page http://127.0.0.1:${app.ports.ws}/`)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    await app.stop()
    process.exit(0)
  })
}
