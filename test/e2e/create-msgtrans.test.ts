import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { generate, toPackageName } from '../../create-msgtrans/generate.ts'

// Generates a project from the template, installs msgtrans from a tarball of this checkout
// (`bun pm pack`, the same bytes npm would publish) and runs the project's own tests.
const root = resolve(import.meta.dir, '../..')
const work = mkdtempSync(join(tmpdir(), 'create-msgtrans-'))
const bun = process.execPath

function run(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const p = Bun.spawnSync(cmd, { cwd, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 })
  return { code: p.exitCode, out: p.stdout.toString() + p.stderr.toString() }
}

let tarball = ''
beforeAll(() => {
  const packed = run([bun, 'pm', 'pack', '--destination', work, '--quiet'], root)
  expect(packed.code).toBe(0)
  tarball = join(work, 'msgtrans-0.1.0.tgz')
  expect(existsSync(tarball)).toBe(true)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

test('package names are derived from the directory', () => {
  expect(toPackageName('My App!')).toBe('my-app')
  expect(toPackageName('...')).toBe('msgtrans-app')
})

test('bun create msgtrans: generated project installs msgtrans from this checkout and its tests pass', () => {
  const created = run([bun, join(root, 'create-msgtrans/index.ts'), 'my-app', '--msgtrans', `file:${tarball}`], work)
  expect(created.out).toContain('next steps')
  expect(created.code).toBe(0)
  const dir = join(work, 'my-app')
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  expect(manifest.name).toBe('my-app')
  expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(['dev', 'test', 'build']))
  for (const f of ['src/index.ts', 'src/app.ts', 'test/app.test.ts', 'bunfig.toml', 'README.md', '.gitignore']) {
    expect(existsSync(join(dir, f))).toBe(true)
  }
  expect(existsSync(join(dir, 'node_modules/msgtrans/src/index.ts'))).toBe(true)
  const tested = run([bun, 'test'], dir)
  expect(tested.out).toContain('3 pass')
  expect(tested.code).toBe(0)
  // The project's own files must typecheck (typed client inference). Errors inside
  // msgtrans's sources are the repo's own tsc test's business, not the template's.
  const typed = run([join(root, 'node_modules/.bin/tsc'), '-p', 'tsconfig.json'], dir)
  expect(typed.out.split('\n').filter((l) => /^(src|test)\//.test(l))).toEqual([])
}, 60_000)

test('refuses to write into a non-empty directory', () => {
  expect(() => generate({ dir: root })).toThrow(/not empty/)
})

test('with the platform package installed, a bun add user gets the native core with no Zig', () => {
  const dir = join(work, 'my-app')
  const out = join(work, 'native')
  const built = run([bun, join(root, 'scripts/native-packages.ts'), '--from-dev', '--out', out], root)
  expect(built.code).toBe(0)
  const pkgDir = built.out.trim().split('\n').at(-1)!
  const added = run([bun, 'add', `file:${pkgDir}`], dir)
  expect(added.code).toBe(0)
  const probe = run([bun, '-e', "const { createApp } = await import('./src/app.ts'); const a = await createApp({ tcp: { port: 0, hostname: '127.0.0.1' } }).listen(); console.log('kind=' + a.native.kind + ' path=' + a.native.libraryPath); await a.stop()"], dir)
  expect(probe.out).toContain('kind=zig')
  expect(probe.out).toContain('node_modules/@msgtrans/native-')
}, 60_000)
