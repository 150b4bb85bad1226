import { z } from 'zod'
import { Msgtrans, type MsgtransConfig } from '../../src/index.ts'

/** A chat line as stored and pushed. */
export interface ChatLine {
  room: string
  from: string
  text: string
  at: number
}

const Room = z.string().min(1).max(64)
const Line = z.object({ room: z.string(), from: z.string(), text: z.string(), at: z.number() })
const Presence = z.object({ room: z.string(), name: z.string(), event: z.enum(['join', 'leave']) })
const HISTORY_PER_ROOM = 100

/**
 * The chat example: rooms, presence and history over TCP and WebSocket.
 *
 * @example
 * const app = await createChatApp({ tcp: { port: 7001 }, ws: { port: 7002 } }).listen()
 */
export function createChatApp(config: MsgtransConfig) {
  const history = new Map<string, ChatLine[]>()
  const members = new Map<string, Set<string>>()
  const remember = (line: ChatLine) => {
    const lines = history.get(line.room) ?? []
    lines.push(line)
    if (lines.length > HISTORY_PER_ROOM) lines.shift()
    history.set(line.room, lines)
  }
  return new Msgtrans(config)
    .push('chat/message', { biz: 20, body: Line })
    .push('chat/presence', { biz: 21, body: Presence })
    .request(
      'chat/join',
      { biz: 10, body: z.object({ room: Room, name: z.string().min(1).max(32) }) },
      ({ body, session, publish }) => {
        session.data.name = body.name
        session.subscribe(body.room)
        const set = members.get(body.room) ?? new Set<string>()
        set.add(body.name)
        members.set(body.room, set)
        publish(body.room, 'chat/presence', { room: body.room, name: body.name, event: 'join' }, { except: session })
        return { room: body.room, members: [...set], history: history.get(body.room) ?? [] }
      },
    )
    .message('chat/leave', { biz: 12, body: z.object({ room: Room }) }, ({ body, session, publish }) => {
      const name = String(session.data.name ?? '')
      session.unsubscribe(body.room)
      members.get(body.room)?.delete(name)
      publish(body.room, 'chat/presence', { room: body.room, name, event: 'leave' })
    })
    .message(
      'chat/send',
      { biz: 13, body: z.object({ room: Room, text: z.string().min(1).max(2000) }) },
      ({ body, session, publish }) => {
        if (!session.topics.has(body.room)) return
        const line: ChatLine = { room: body.room, from: String(session.data.name), text: body.text, at: Date.now() }
        remember(line)
        publish(body.room, 'chat/message', line)
      },
    )
    .request(
      'chat/history',
      { biz: 11, body: z.object({ room: Room, limit: z.number().int().min(1).max(100).default(50) }) },
      ({ body }) => (history.get(body.room) ?? []).slice(-body.limit),
    )
    .request('chat/ping', { biz: 14 }, () => ({ at: Date.now() }))
    .onClose(({ session, publish }) => {
      const name = String(session.data.name ?? '')
      for (const room of session.topics) {
        members.get(room)?.delete(name)
        publish(room, 'chat/presence', { room, name, event: 'leave' }, { except: session })
      }
    })
}

/** The chat app's type, for typed clients. */
export type ChatApp = ReturnType<typeof createChatApp>
