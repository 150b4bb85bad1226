import { join } from 'node:path'
import { heartbeat } from '../../src/index.ts'
import { http } from '../../src/http/index.ts'

const dir = join(import.meta.dir, 'public')

/**
 * The chat web page on the WebSocket port: `/` and `/chat.js` from public/, the browser
 * client at `/msgtrans.js`, /health, /metrics, /docs and /asyncapi.json; answers heartbeats.
 *
 * @example
 * await createChatApp({ ws: { port: 7002 } }).use(chatWeb()).listen()
 */
export function chatWeb() {
  const page = http((e) =>
    e
      .get('/', () => Bun.file(join(dir, 'index.html')))
      .get('/chat.js', () => Bun.file(join(dir, 'chat.js'))),
    { info: { title: 'msgtrans chat', version: '1.0.0' } },
  )
  return <A extends Parameters<typeof page>[0]>(app: A): A => page(app.use(heartbeat()) as A)
}
