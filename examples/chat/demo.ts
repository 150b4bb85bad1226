// The README's first command: starts the chat server on free ports and runs a short
// session of two clients against it (one over TCP, one over WebSocket).
import { connect } from '../../src/index.ts'
import { createChatApp, type ChatApp, type ChatLine } from './app.ts'

const log = (s: string) => console.log(`  ${s}`)
const app = await createChatApp({
  tcp: { port: 0, hostname: '127.0.0.1' },
  ws: { port: 0, hostname: '127.0.0.1' },
}).listen()
console.log(`chat server: tcp 127.0.0.1:${app.ports.tcp}, ws 127.0.0.1:${app.ports.ws}, native core: ${app.native.kind}`)

const alice = await connect<ChatApp>(`tcp://127.0.0.1:${app.ports.tcp}`)
const bob = await connect<ChatApp>(`ws://127.0.0.1:${app.ports.ws}`)
log('alice connected over TCP, bob over WebSocket')

const joined = await alice.request('chat/join', { room: 'lobby', name: 'alice' })
log(`alice joined #${joined.room} (members: ${joined.members.join(', ')})`)
const presence = new Promise<unknown>((r) => alice.on('chat/presence', r))
await bob.request('chat/join', { room: 'lobby', name: 'bob' })
log(`bob joined #lobby; alice saw presence ${JSON.stringify(await presence)}`)

const received = new Promise<ChatLine>((r) => bob.on('chat/message', (m) => r(m as ChatLine)))
alice.send('chat/send', { room: 'lobby', text: 'hello from alice over TCP' })
const line = await received
log(`bob received from ${line.from}: "${line.text}"`)

const history = await bob.request('chat/history', { room: 'lobby' })
log(`history request answered: ${history.length} line(s)`)

try {
  await alice.request('chat/join', { room: '', name: 'x' })
} catch (e) {
  log(`bad request rejected: ${(e as { code: string }).code} (${(e as Error).message})`)
}

const rtts: number[] = []
for (let i = 0; i < 200; i++) {
  const t = performance.now()
  await alice.request('chat/ping')
  rtts.push(performance.now() - t)
}
rtts.sort((a, b) => a - b)
log(`round trip over TCP: p50 ${rtts[100]!.toFixed(3)} ms, p99 ${rtts[198]!.toFixed(3)} ms (200 requests)`)

await Promise.all([alice.close(), bob.close()])
await app.stop()
console.log('demo done')
