import { encodeDelta, type EntityState, type Input } from './wire.ts'

/** Limits of the example world; a real game would load them from config. */
export const MAX_MATCHES = 1024
export const MAX_PLAYERS_PER_MATCH = 16
/** Arena is ARENA × ARENA units; a full stick moves SPEED units per second. */
export const ARENA = 1000
export const SPEED = 300

/** One player in a match. Inputs overwrite (latest wins), as in most action games. */
export interface Player {
  id: number
  name: string
  x: number
  y: number
  input: Input
  /** Last input seq applied by a tick (sent back as `ack`). */
  ack: number
}

/** A match: its players, and what changed since the last broadcast. */
export interface Match {
  id: string
  players: Map<number, Player>
  dirty: Set<number>
  removed: number[]
}

/**
 * The authoritative state: the server alone moves players, from their latest inputs, once
 * per tick; clients only send inputs and render deltas.
 *
 * @example
 * const world = new GameWorld()
 * const p = world.join('arena-1', 'ada')
 * world.input(p.match, p.player.id, { seq: 1, dx: 127, dy: 0, buttons: 0 })
 * for (const [matchId, delta] of world.step(1, 1 / 60)) publish(matchId, delta)
 */
export class GameWorld {
  readonly matches = new Map<string, Match>()
  #nextId = 1

  join(matchId: string, name: string): { match: Match; player: Player } {
    let match = this.matches.get(matchId)
    if (!match) {
      if (this.matches.size >= MAX_MATCHES) throw new Error(`server full (${MAX_MATCHES} matches)`)
      match = { id: matchId, players: new Map(), dirty: new Set(), removed: [] }
      this.matches.set(matchId, match)
    }
    if (match.players.size >= MAX_PLAYERS_PER_MATCH) throw new Error(`match ${matchId} is full`)
    const id = this.#allocateId()
    const player: Player = { id, name, x: spawn(id), y: ARENA / 2, input: { seq: 0, dx: 0, dy: 0, buttons: 0 }, ack: 0 }
    match.players.set(id, player)
    match.dirty.add(id)
    return { match, player }
  }

  leave(matchId: string, playerId: number): void {
    const match = this.matches.get(matchId)
    if (!match?.players.delete(playerId)) return
    match.dirty.delete(playerId)
    match.removed.push(playerId)
    if (match.players.size === 0) this.matches.delete(matchId)
  }

  /** Stores a player's latest input; stale (reordered or repeated) seqs are ignored. */
  input(matchId: string, playerId: number, input: Input): boolean {
    const player = this.matches.get(matchId)?.players.get(playerId)
    if (!player || input.seq <= player.input.seq) return false
    player.input = input
    return true
  }

  /** Advances every match by dt seconds; yields [matchId, encoded delta] for matches that changed. */
  *step(tick: number, dt: number): Generator<[string, Uint8Array]> {
    for (const match of this.matches.values()) {
      for (const p of match.players.values()) if (move(p, dt)) match.dirty.add(p.id)
      if (match.dirty.size === 0 && match.removed.length === 0) continue
      const changed: EntityState[] = []
      for (const id of match.dirty) {
        const p = match.players.get(id)
        if (p) changed.push({ id, ack: p.ack, x: p.x, y: p.y })
      }
      yield [match.id, encodeDelta({ tick, changed, removed: match.removed })]
      match.dirty.clear()
      match.removed = []
    }
  }

  #allocateId(): number {
    const id = this.#nextId
    this.#nextId = this.#nextId >= 0xffff ? 1 : this.#nextId + 1
    return id
  }
}

// Returns whether the player's visible state changed.
function move(p: Player, dt: number): boolean {
  const ackChanged = p.ack !== p.input.seq
  p.ack = p.input.seq
  const { dx, dy } = p.input
  if (dx === 0 && dy === 0) return ackChanged
  const x = clamp(p.x + (dx / 127) * SPEED * dt)
  const y = clamp(p.y + (dy / 127) * SPEED * dt)
  const moved = x !== p.x || y !== p.y
  p.x = x
  p.y = y
  return moved || ackChanged
}

function clamp(v: number): number {
  return Math.max(0, Math.min(ARENA, v))
}

function spawn(id: number): number {
  return ((id * 137) % (ARENA - 100)) + 50
}
