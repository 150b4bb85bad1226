import { z } from 'zod'
import { Msgtrans, MsgtransError, type MsgtransConfig } from '../../src/index.ts'
import { TickLoop } from './tick.ts'
import { decodeInput, INPUT_BYTES } from './wire.ts'
import { GameWorld, MAX_PLAYERS_PER_MATCH } from './world.ts'

/** Options of the game server. */
export interface GameOptions {
  /** Authoritative tick rate (60 Hz = one tick every 16.7 ms). */
  tickHz?: number
  /** The world to run (tests pass their own to inspect it). */
  world?: GameWorld
}

const topicOf = (match: string) => `match:${match}`

/**
 * game-sync: clients join a match, send 8-byte inputs as one-way raw packets, and receive
 * the state deltas of their match as binary pushes, once per 60 Hz tick.
 *
 * @example
 * const app = await createGameApp({ tcp: { port: 7101 }, ws: { port: 7102 } }).listen()
 * const c = await connect<GameApp>('ws://127.0.0.1:7102')
 * await c.request('game/join', { match: 'arena-1', name: 'ada' })
 * c.on('game/delta', (_, packet) => render(decodeDelta(packet.payload)))
 */
export function createGameApp(config: MsgtransConfig, options: GameOptions = {}) {
  const world = options.world ?? new GameWorld()
  const tickHz = options.tickHz ?? 60
  const app = new Msgtrans(config)
  const loop = new TickLoop(tickHz, (tick) => {
    for (const [match, delta] of world.step(tick, 1 / tickHz)) app.publish(topicOf(match), 'game/delta', delta)
  })
  const leave = (session: { data: Record<string, any>; unsubscribe(t: string): boolean }) => {
    const { match, player } = session.data as { match?: string; player?: number }
    if (match === undefined || player === undefined) return
    session.unsubscribe(topicOf(match))
    world.leave(match, player)
    session.data.match = session.data.player = undefined
    if (world.matches.size === 0) loop.stop()
  }
  return app
    .push('game/delta', { biz: 40 })
    .request(
      'game/join',
      { biz: 30, body: z.object({ match: z.string().min(1).max(64), name: z.string().min(1).max(32) }) },
      ({ body, session }) => {
        leave(session)
        let joined
        try {
          joined = world.join(body.match, body.name)
        } catch (e) {
          throw new MsgtransError('E_MATCH_FULL', (e as Error).message)
        }
        session.data.match = body.match
        session.data.player = joined.player.id
        session.subscribe(topicOf(body.match))
        loop.start()
        const players = [...joined.match.players.values()].map(({ id, name, x, y }) => ({ id, name, x, y }))
        return { playerId: joined.player.id, tickHz, maxPlayers: MAX_PLAYERS_PER_MATCH, players }
      },
    )
    .message('game/leave', { biz: 32 }, ({ session }) => leave(session))
    .message(
      'game/input',
      {
        biz: 31,
        codec: 'raw',
        body: z.instanceof(Uint8Array).refine((b) => b.length === INPUT_BYTES, `input is ${INPUT_BYTES} bytes`),
      },
      ({ body, session }) => {
        const { match, player } = session.data as { match?: string; player?: number }
        if (match !== undefined && player !== undefined) world.input(match, player, decodeInput(body))
      },
    )
    .request('game/stats', { biz: 33 }, () => ({ ...loop.stats(), matches: world.matches.size }))
    .onClose(({ session }) => leave(session))
}

/** The game app's type, for typed clients. */
export type GameApp = ReturnType<typeof createGameApp>
