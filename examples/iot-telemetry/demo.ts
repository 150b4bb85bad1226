// `bun examples/iot-telemetry/demo.ts`: starts the telemetry server on free ports, connects
// a dashboard over WebSocket and a fleet of devices over TCP (one connection each), each
// reading 4 sensors at a high rate and batching them, then prints the dashboard windows.
import { connect } from '../../src/index.ts'
import { createIotApp, type IotApp } from './app.ts'
import type { WindowSummary } from './aggregate.ts'
import { authenticate, Device } from './device.ts'
import { DeviceTokens } from './tokens.ts'

const DEVICES = Number(process.env.DEMO_DEVICES ?? 200)
const HZ = Number(process.env.DEMO_HZ ?? 50)
const SECONDS = Number(process.env.DEMO_SECONDS ?? 2)
const secret = 'demo-secret-0123'
const tokens = new DeviceTokens(secret)
const app = await createIotApp(
  { tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' } },
  { secret, windowMs: 500 },
).listen()
const tcp = `tcp://127.0.0.1:${app.ports.tcp}`
console.log(`iot-telemetry server: tcp ${app.ports.tcp}, ws ${app.ports.ws}, native core: ${app.native.kind}`)

const dashboard = await connect<IotApp>(`ws://127.0.0.1:${app.ports.ws}`)
const windows: WindowSummary[] = []
dashboard.on('dashboard/window', (w) => windows.push(w as WindowSummary))
await authenticate(dashboard, { dashboard: 'ops', token: tokens.issue('dashboard:ops') })
await dashboard.request('dashboard/watch')

try {
  await Device.connect(tcp, 'intruder', 'not-a-token')
} catch (e) {
  console.log(`  device with a bad token rejected: ${(e as { code: string }).code}`)
}
const fleet = await Promise.all(
  Array.from({ length: DEVICES }, (_, i) => Device.connect(tcp, `sensor-${i}`, tokens.issue(`sensor-${i}`))),
)
console.log(`  ${fleet.length} devices authenticated over TCP`)

const started = performance.now()
const sample = setInterval(() => {
  const at = Date.now()
  for (const [i, d] of fleet.entries()) {
    d.record({ metric: 0, at, value: 20 + (i % 10) + Math.random() })
    d.record({ metric: 1, at, value: 40 + Math.random() * 20 })
    d.record({ metric: 2, at, value: 100 - (performance.now() - started) / 1000 })
    d.record({ metric: 3, at, value: -60 - Math.random() * 30 })
  }
}, 1000 / HZ)
await new Promise((r) => setTimeout(r, SECONDS * 1000))
clearInterval(sample)
await Promise.all(fleet.map((d) => d.close()))
const sent = fleet.reduce((s, d) => s + d.readings, 0)
const packets = fleet.reduce((s, d) => s + d.packets, 0)
const deadline = Date.now() + 5000
while (windows.reduce((s, w) => s + w.readings, 0) < sent && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50))
}
const elapsed = (performance.now() - started) / 1000
for (const w of windows.filter((w) => w.readings > 0)) {
  const t = w.metrics.temperature
  console.log(
    `  window ${w.ms} ms: ${w.devices} devices, ${w.readings} readings in ${w.batches} batches` +
      (t ? `, temperature ${t.min.toFixed(1)}..${t.max.toFixed(1)} mean ${t.mean.toFixed(2)}` : ''),
  )
}
const counted = windows.reduce((s, w) => s + w.readings, 0)
console.log(
  `sent ${sent} readings in ${packets} packets (${(sent / packets).toFixed(1)} per packet), ` +
    `dashboard counted ${counted}; ${Math.round(sent / elapsed)} readings/s`,
)
await dashboard.close()
await app.stop()
console.log('demo done')
