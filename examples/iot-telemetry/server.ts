// Runs the telemetry server: `bun examples/iot-telemetry/server.ts` (TCP 7201, WebSocket 7202).
// Device tokens are HMAC-SHA256(IOT_SECRET, deviceId); print one with
// `bun examples/iot-telemetry/server.ts --token sensor-1` (a dashboard's: `--token dashboard:ops`).
import { createIotApp } from './app.ts'
import { DeviceTokens } from './tokens.ts'

const secret = process.env.IOT_SECRET ?? 'dev-secret-change-me'
if (!process.env.IOT_SECRET) console.warn('iot-telemetry: IOT_SECRET not set, using the development secret')
const tokenFor = process.argv.indexOf('--token')
if (tokenFor > 0) {
  console.log(new DeviceTokens(secret).issue(process.argv[tokenFor + 1] ?? ''))
  process.exit(0)
}
const tcpPort = Number(process.env.TCP_PORT ?? 7201)
const wsPort = Number(process.env.WS_PORT ?? 7202)
const app = await createIotApp(
  { tcp: { port: tcpPort }, ws: { port: wsPort } },
  { secret, windowMs: Number(process.env.WINDOW_MS ?? 1000) },
).listen()
console.log(`iot-telemetry: tcp://127.0.0.1:${app.ports.tcp} ws://127.0.0.1:${app.ports.ws} (native core: ${app.native.kind})`)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    await app.stop()
    process.exit(0)
  })
}
