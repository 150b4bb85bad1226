// `bun examples/game-sync/demo.ts`: starts the game server on free ports, runs three bots
// (two over TCP, one over WebSocket) that steer for two seconds at 60 inputs/s, and
// reports what the tick loop and the wire did. With GAME_TCP=host:port and GAME_WS=host:port
// it drives an already running server (bun examples/game-sync/server.ts) instead, so the
// bots do not share the server's event loop.
import { connect } from '../../src/index.ts'
import { createGameApp, type GameApp } from './app.ts'
import { decodeDelta, encodeInput } from './wire.ts'

const SECONDS = Number(process.env.DEMO_SECONDS ?? 2)
const app = process.env.GAME_TCP
  ? undefined
  : await createGameApp({ tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' } }).listen()
const tcp = process.env.GAME_TCP ?? `127.0.0.1:${app!.ports.tcp}`
const ws = process.env.GAME_WS ?? `127.0.0.1:${app!.ports.ws}`
console.log(`game-sync server: tcp ${tcp}, ws ${ws}${app ? `, native core: ${app.native.kind}` : ' (external)'}`)

interface Bot {
  name: string
  id: number
  deltas: number
  bytes: number
  sentAt: Map<number, number>
  ackMs: number[]
  seen: Set<number>
}

async function bot(name: string, url: string) {
  const client = await connect<GameApp>(url)
  const joined = await client.request('game/join', { match: 'arena-1', name })
  const b: Bot = { name, id: joined.playerId, deltas: 0, bytes: 0, sentAt: new Map(), ackMs: [], seen: new Set() }
  client.on('game/delta', (_, packet) => {
    const delta = decodeDelta(packet.payload)
    b.deltas++
    b.bytes += packet.payload.length
    for (const e of delta.changed) {
      b.seen.add(e.id)
      const sent = e.id === b.id ? b.sentAt.get(e.ack) : undefined
      if (sent !== undefined) {
        b.ackMs.push(performance.now() - sent)
        b.sentAt.delete(e.ack)
      }
    }
  })
  return { client, b }
}

const bots = await Promise.all([
  bot('ada', `tcp://${tcp}`),
  bot('bob', `tcp://${tcp}`),
  bot('cy', `ws://${ws}`),
])
let seq = 0
const steer = setInterval(() => {
  seq++
  for (const [i, { client, b }] of bots.entries()) {
    b.sentAt.set(seq, performance.now())
    const angle = seq / 20 + i
    client.send('game/input', encodeInput({ seq, dx: Math.cos(angle) * 127, dy: Math.sin(angle) * 127, buttons: 0 }))
  }
}, 1000 / 60)
await new Promise((r) => setTimeout(r, SECONDS * 1000))
clearInterval(steer)

const stats = await bots[0]!.client.request('game/stats')
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? NaN
for (const { b } of bots) {
  console.log(
    `  ${b.name}: ${b.deltas} deltas (${(b.bytes / Math.max(1, b.deltas)).toFixed(0)} B avg), saw ${b.seen.size} players, ` +
      `input→ack p50 ${q(b.ackMs, 0.5).toFixed(1)} ms p99 ${q(b.ackMs, 0.99).toFixed(1)} ms`,
  )
}
const j = stats.jitter
console.log(
  `tick: ${stats.ticks} ticks at ${stats.hz} Hz, jitter p50 ${j.p50.toFixed(3)} ms p99 ${j.p99.toFixed(3)} ms ` +
    `max ${j.max.toFixed(3)} ms, work p99 ${stats.work.p99.toFixed(3)} ms, skipped ${stats.skipped}`,
)
await Promise.all(bots.map(({ client }) => client.close()))
await app?.stop()
console.log('demo done')
