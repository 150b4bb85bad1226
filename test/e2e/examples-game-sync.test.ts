import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, type Client } from '../../src/index.ts'
import type { ErrorBody } from '../../src/protocol/index.ts'
import { createGameApp, type GameApp } from '../../examples/game-sync/app.ts'
import { decodeDelta, decodeInput, encodeDelta, encodeInput, type Delta } from '../../examples/game-sync/wire.ts'
import { GameWorld } from '../../examples/game-sync/world.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'

describe('game-sync wire format', () => {
  test('inputs and deltas round-trip byte for byte', () => {
    const input = { seq: 0xfffffff0, dx: -127, dy: 127, buttons: 5 }
    expect(decodeInput(encodeInput(input))).toEqual(input)
    expect(encodeInput({ seq: 1, dx: 999, dy: -999, buttons: 0 }).slice(4, 6)).toEqual(new Uint8Array([127, 129]))
    const delta: Delta = { tick: 7, changed: [{ id: 3, ack: 9, x: 12.5, y: 1000 }], removed: [4, 5] }
    const bytes = encodeDelta(delta)
    expect(bytes.length).toBe(10 + 14 + 4)
    expect(decodeDelta(bytes)).toEqual(delta)
    expect(() => decodeDelta(bytes.subarray(0, 20))).toThrow()
  })
})

describe('game-sync over real sockets', () => {
  const world = new GameWorld()
  const app = createGameApp({ tcp: { port: 0, hostname: '127.0.0.1' }, ws: { port: 0, hostname: '127.0.0.1' } }, { world })
  let a: Client<GameApp>
  let b: Client<GameApp>
  const deltasA: Delta[] = []
  let idA = 0
  let idB = 0

  beforeAll(async () => {
    await app.listen()
    a = await connect<GameApp>(`tcp://127.0.0.1:${app.ports.tcp}`)
    b = await connect<GameApp>(`ws://127.0.0.1:${app.ports.ws}`)
    a.on('game/delta', (_, packet) => deltasA.push(decodeDelta(packet.payload)))
  })
  afterAll(async () => {
    await a?.close()
    await app.stop()
  })

  const seenByA = (pred: (e: Delta['changed'][number]) => boolean) =>
    deltasA.some((d) => d.changed.some(pred))

  test('players join one match and see each other in binary deltas', async () => {
    const ja = await a.request('game/join', { match: 'm1', name: 'ada' })
    const jb = await b.request('game/join', { match: 'm1', name: 'bob' })
    idA = ja.playerId
    idB = jb.playerId
    expect(ja.tickHz).toBe(60)
    expect(jb.players.map((p) => p.name).sort()).toEqual(['ada', 'bob'])
    await waitFor(() => seenByA((e) => e.id === idB), 5_000, 'bob in a delta to ada')
  })

  test('one-way inputs move the player; deltas ack the input seq', async () => {
    const x0 = world.matches.get('m1')!.players.get(idA)!.x
    for (let seq = 1; seq <= 5; seq++) a.send('game/input', encodeInput({ seq, dx: 127, dy: 0, buttons: 0 }))
    await waitFor(() => seenByA((e) => e.id === idA && e.ack === 5 && e.x > x0), 5_000, 'ack of seq 5')
    a.send('game/input', encodeInput({ seq: 3, dx: -127, dy: 0, buttons: 0 }))
    a.send('game/input', encodeInput({ seq: 6, dx: 0, dy: 0, buttons: 0 }))
    await waitFor(() => seenByA((e) => e.id === idA && e.ack === 6), 5_000, 'ack of seq 6')
    expect(seenByA((e) => e.id === idA && e.ack === 3)).toBe(false)
  })

  test('a malformed input gets an error notice and the connection stays up', async () => {
    const notice = nextEvent<ErrorBody>((fn) => a.onError(fn))
    a.send('game/input', new Uint8Array(3))
    expect((await notice).code).toBe('E_VALIDATION')
    expect((await a.request('game/stats')).matches).toBe(1)
  })

  test('a player who disconnects is removed in the next delta', async () => {
    await b.close()
    await waitFor(() => deltasA.some((d) => d.removed.includes(idB)), 5_000, 'bob removed')
    expect(world.matches.get('m1')!.players.has(idB)).toBe(false)
  })

  test('tick jitter is measured and reported (no wall-clock assertion)', async () => {
    const stats = await a.request('game/stats')
    expect(stats.hz).toBe(60)
    expect(stats.ticks).toBeGreaterThan(0)
    for (const v of [stats.jitter.p50, stats.jitter.p99, stats.jitter.max]) expect(Number.isFinite(v)).toBe(true)
    expect(stats.jitter.p99).toBeLessThanOrEqual(stats.jitter.max)
    const ticks = deltasA.map((d) => d.tick)
    expect(ticks).toEqual([...ticks].sort((x, y) => x - y))
    console.log(
      `game-sync tick jitter over ${stats.ticks} ticks: p50 ${stats.jitter.p50.toFixed(3)} ms, ` +
        `p99 ${stats.jitter.p99.toFixed(3)} ms, max ${stats.jitter.max.toFixed(3)} ms`,
    )
  })
})

test('game-sync demo runs end to end', async () => {
  const proc = Bun.spawn([process.execPath, 'examples/game-sync/demo.ts'], {
    env: { ...process.env, DEMO_SECONDS: '0.5' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill(), 20_000)
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  clearTimeout(timer)
  expect(code).toBe(0)
  expect(out).toMatch(/ada: \d+ deltas .* saw 3 players/)
  expect(out).toMatch(/tick: \d+ ticks at 60 Hz, jitter p50 [\d.]+ ms p99 [\d.]+ ms/)
  expect(out).toContain('demo done')
})
