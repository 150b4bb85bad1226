import type { Msgtrans } from './msgtrans.ts'

/**
 * Answers application heartbeats: every one-way packet with biz `biz` (0xFE) is echoed
 * back to its sender, so a `ReconnectingClient` with `heartbeat` on sees the server alive.
 * Opt-in, because msgtrans 1.0.x has no heartbeat and would hand 0xFE to the application.
 *
 * @example
 * const app = new Msgtrans({ ws: { port: 7002 } }).use(heartbeat())
 */
export function heartbeat(opts: { biz?: number } = {}) {
  const biz = opts.biz ?? 0xfe
  return <A extends Msgtrans<any, any, any, any>>(app: A): A =>
    app.message('$heartbeat', { biz, codec: 'raw' }, ({ session }) => {
      session.send({ biz }, new Uint8Array(0))
    }) as unknown as A
}
