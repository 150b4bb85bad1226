import { Msgtrans, type MsgtransConfig } from 'msgtrans'
import { z } from 'zod'

/**
 * The app: every route has a schema, and `typeof app` types the client.
 * Add routes here; src/index.ts only starts it.
 */
export function createApp(config: MsgtransConfig) {
  return new Msgtrans(config)
    .push('room/message', { biz: 20 })
    .request('hello', { biz: 1, body: z.object({ name: z.string().min(1).max(64) }) }, ({ body }) => ({
      greeting: `hello, ${body.name}`,
    }))
    .request('room/join', { biz: 2, body: z.object({ room: z.string().min(1).max(64) }) }, ({ body, session }) => {
      session.subscribe(body.room)
      return { room: body.room }
    })
    .message(
      'room/send',
      { biz: 3, body: z.object({ room: z.string(), text: z.string().min(1).max(2000) }) },
      ({ body, session, publish }) => {
        if (session.topics.has(body.room)) publish(body.room, 'room/message', { ...body, from: session.id })
      },
    )
}

/** The app's type, for `connect<App>(...)`. */
export type App = ReturnType<typeof createApp>
