// Runs the game-sync server: `bun examples/game-sync/server.ts` (TCP 7101, WebSocket 7102).
// One binary: `bun src/build/cli.ts examples/game-sync/server.ts` (see docs/distribution.md).
import { createGameApp } from './app.ts'

const tcpPort = Number(process.env.TCP_PORT ?? 7101)
const wsPort = Number(process.env.WS_PORT ?? 7102)
const hostname = process.env.HOST ?? '127.0.0.1'
const app = await createGameApp({ tcp: { port: tcpPort, hostname }, ws: { port: wsPort, hostname } }).listen()
const { kind, libraryPath } = app.native
console.log(
  `game-sync: tcp://${hostname}:${app.ports.tcp} ws://${hostname}:${app.ports.ws} ` +
    `(native core: ${kind}${libraryPath ? ` from ${libraryPath}` : ''}, started in ${Math.round(performance.now())} ms)`,
)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    await app.stop()
    process.exit(0)
  })
}
