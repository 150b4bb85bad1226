import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect, type Client } from 'msgtrans'
import { createApp, type App } from '../src/app.ts'

// Port 0: the OS picks free ports and the test reads them back.
const app = createApp({ tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' } })
let tcp: Client<App>
let ws: Client<App>

beforeAll(async () => {
  await app.listen()
  tcp = await connect<App>(`tcp://127.0.0.1:${app.ports.tcp}`)
  ws = await connect<App>(`ws://127.0.0.1:${app.ports.ws}`)
})
afterAll(async () => {
  await Promise.all([tcp.close(), ws.close()])
  await app.stop()
})

test('a typed request gets its typed response', async () => {
  const reply = await tcp.request('hello', { name: 'bun' })
  expect(reply.greeting).toBe('hello, bun')
})

test('bad input is rejected by the schema', async () => {
  await expect(tcp.request('hello', { name: '' })).rejects.toMatchObject({ code: 'E_VALIDATION' })
})

test('a message sent over TCP reaches a room member over WebSocket', async () => {
  await tcp.request('room/join', { room: 'lobby' })
  await ws.request('room/join', { room: 'lobby' })
  const received = new Promise((resolve) => ws.on('room/message', resolve))
  tcp.send('room/send', { room: 'lobby', text: 'hi' })
  expect(await received).toMatchObject({ room: 'lobby', text: 'hi' })
})
