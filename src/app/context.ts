import type { Packet } from '../protocol/index.ts'
import type { Session } from './session.ts'

/** Builds the context object a route handler receives. */
export type ContextFactory = (
  session: Session,
  body: unknown,
  packet: Packet,
  route: string,
) => Record<string, unknown>

/**
 * Handler contexts with one shape for every session and message: `session`, `body`,
 * `packet` and `route` are own fields set in a fixed order, and what all contexts share
 * (decorators, `store`, `publish`) sits on one prototype. Handlers that destructure the
 * context therefore see a single hidden class, however many sessions there are.
 *
 * @example
 * const make = contextFactory({ ...decorators, store, publish })
 * handler(make(session, body, packet, 'chat/send'))
 */
export function contextFactory(shared: Record<string, unknown>): ContextFactory {
  function HandlerContext(
    this: Record<string, unknown>,
    session: Session,
    body: unknown,
    packet: Packet,
    route: string,
  ) {
    this.session = session
    this.body = body
    this.packet = packet
    this.route = route
  }
  HandlerContext.prototype = Object.assign(Object.create(Object.prototype), shared)
  const Ctor = HandlerContext as unknown as new (...a: Parameters<ContextFactory>) => Record<string, unknown>
  return (session, body, packet, route) => new Ctor(session, body, packet, route)
}
