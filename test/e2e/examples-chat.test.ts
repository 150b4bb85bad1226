import { afterAll, beforeAll, expect, test } from 'bun:test'
import { connect } from '../../src/index.ts'
import { createChatApp, type ChatApp } from '../../examples/chat/app.ts'
import { nextEvent } from '../helpers/wait.ts'

const host = '127.0.0.1'
let app: ChatApp
beforeAll(async () => {
  app = await createChatApp({ tcp: { port: 0, hostname: host }, ws: { port: 0, hostname: host }, log: () => {} }).listen()
})
afterAll(() => app.stop())

test('rooms, presence (join and leave on disconnect) and history', async () => {
  const a = await connect<ChatApp>(`tcp://${host}:${app.ports.tcp}`)
  const b = await connect<ChatApp>(`ws://${host}:${app.ports.ws}`)
  await a.request('chat/join', { room: 'r1', name: 'ann' })
  const joined = nextEvent((fn) => a.on('chat/presence', fn))
  const r = await b.request('chat/join', { room: 'r1', name: 'bo' })
  expect(r.members.sort()).toEqual(['ann', 'bo'])
  expect(await joined).toEqual({ room: 'r1', name: 'bo', event: 'join' })

  const line = nextEvent((fn) => a.on('chat/message', fn))
  b.send('chat/send', { room: 'r1', text: 'hey' })
  expect(await line).toMatchObject({ from: 'bo', text: 'hey' })
  expect((await a.request('chat/history', { room: 'r1' })).map((l) => l.text)).toEqual(['hey'])

  const left = nextEvent((fn) => a.on('chat/presence', fn))
  await b.close()
  expect(await left).toEqual({ room: 'r1', name: 'bo', event: 'leave' })
  await a.close()
})
