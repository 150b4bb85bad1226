import { afterAll, beforeAll, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { connect } from '../../src/index.ts'
import { compile, type CompileResult } from '../../src/build/index.ts'
import type { GameApp } from '../../examples/game-sync/app.ts'
import { decodeDelta } from '../../examples/game-sync/wire.ts'
import { nextEvent } from '../helpers/wait.ts'

// One compile per run (~0.5 s): the game-sync server with libmsgtrans embedded, then run
// from a directory outside the repo with bun and zig off PATH.
const root = resolve(import.meta.dir, '../..')
const work = mkdtempSync(join(tmpdir(), 'msgtrans-compiled-'))
const PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !Bun.which('bun', { PATH: dir }) && !Bun.which('zig', { PATH: dir }))
  .join(delimiter)
let built: CompileResult
let binary = ''

beforeAll(async () => {
  built = await compile({ entry: join(root, 'examples/game-sync/server.ts'), outfile: join(work, 'build/game-sync') })
  binary = join(work, 'game-sync')
  copyFileSync(built.outfile, binary)
  rmSync(join(work, 'build'), { recursive: true })
  mkdirSync(join(work, 'tmp'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface Started {
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  line: string
  ms: number
  stderr: () => Promise<string>
}

/** Starts the binary on free ports and resolves with its first stdout line. */
async function start(env: Record<string, string> = {}): Promise<Started> {
  const t0 = performance.now()
  const proc = Bun.spawn([binary], {
    cwd: work,
    env: { PATH, HOME: work, TMPDIR: join(work, 'tmp'), TCP_PORT: '0', WS_PORT: '0', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const reader = proc.stdout.getReader()
  let text = ''
  const deadline = setTimeout(() => proc.kill(), 10_000)
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  clearTimeout(deadline)
  reader.releaseLock()
  return { proc, line: text.split('\n')[0]!, ms: performance.now() - t0, stderr: () => new Response(proc.stderr).text() }
}

const portOf = (line: string, scheme: string) => Number(line.match(new RegExp(`${scheme}://[\\d.]+:(\\d+)`))![1])

test('the compiled binary embeds libmsgtrans and serves clients with the native core, no bun or zig on PATH', async () => {
  expect(Bun.which('bun', { PATH })).toBeNull()
  expect(Bun.which('zig', { PATH })).toBeNull()
  expect(built.native).toMatch(/libmsgtrans\.so$/)
  const s = await start()
  try {
    // Bun extracts /$bunfs libraries for dlopen itself; our own extraction (into
    // $TMPDIR/msgtrans-<uid>/) is the fallback. Either way, not the repo's build output.
    expect(s.line).toMatch(/native core: zig from (\/\$bunfs\/|\/.*msgtrans-compiled-)/)
    expect(s.line).not.toContain(join(root, 'zig'))
    const client = await connect<GameApp>(`tcp://127.0.0.1:${portOf(s.line, 'tcp')}`)
    const delta = nextEvent<Uint8Array>((fn) => client.on('game/delta', (_, p) => fn(p.payload)))
    const joined = await client.request('game/join', { match: 'bin', name: 'ada' })
    expect(decodeDelta(await delta).changed.map((e) => e.id)).toContain(joined.playerId)
    await client.close()
    console.log(
      `compiled game-sync: ${(built.bytes / 2 ** 20).toFixed(1)} MiB, compile ${Math.round(built.ms)} ms, ` +
        `start to listening ${Math.round(s.ms)} ms`,
    )
  } finally {
    s.proc.kill()
    await s.proc.exited
  }
})

test('if the embedded library cannot be loaded, the binary warns and runs on the pure-TS core', async () => {
  writeFileSync(join(work, 'not-a-dir'), '')
  const s = await start({ TMPDIR: join(work, 'not-a-dir') })
  try {
    expect(s.line).toContain('native core: ts')
    const client = await connect<GameApp>(`ws://127.0.0.1:${portOf(s.line, 'ws')}`)
    expect((await client.request('game/join', { match: 'ts', name: 'bob' })).playerId).toBeGreaterThan(0)
    await client.close()
  } finally {
    s.proc.kill()
    await s.proc.exited
  }
  expect(await s.stderr()).toContain('msgtrans: native core unavailable, using the pure-TS fallback: embedded library')
})

test('MSGTRANS_NATIVE=0 selects the pure-TS core in a compiled binary too', async () => {
  const s = await start({ MSGTRANS_NATIVE: '0' })
  s.proc.kill()
  await s.proc.exited
  expect(s.line).toContain('native core: ts')
})
