import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EMBEDDED_LIBRARY_KEY, embeddedLibrary, materialize, openEmbedded } from '../../src/native/embedded.ts'
import { platformPackageName } from '../../src/native/platform.ts'

const work = mkdtempSync(join(tmpdir(), 'msgtrans-embedded-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

test('embeddedLibrary() reads the path a compiled prelude registered', () => {
  const g = globalThis as Record<symbol, unknown>
  expect(embeddedLibrary()).toBeUndefined()
  g[EMBEDDED_LIBRARY_KEY] = '/$bunfs/root/libmsgtrans-x.so'
  try {
    expect(embeddedLibrary()).toBe('/$bunfs/root/libmsgtrans-x.so')
  } finally {
    delete g[EMBEDDED_LIBRARY_KEY]
  }
})

test('materialize() copies into a private per-user directory, named by content, and reuses it', () => {
  const src = join(work, 'lib.so')
  writeFileSync(src, new Uint8Array([1, 2, 3, 4]))
  const a = materialize(src, work)
  expect(readFileSync(a)).toEqual(Buffer.from([1, 2, 3, 4]))
  expect(a).toMatch(/libmsgtrans-[0-9a-f]+\.so$/)
  expect(statSync(join(a, '..')).mode & 0o777).toBe(0o700)
  const mtime = statSync(a).mtimeMs
  expect(materialize(src, work)).toBe(a)
  expect(statSync(a).mtimeMs).toBe(mtime)
  writeFileSync(src, new Uint8Array([9]))
  expect(materialize(src, work)).not.toBe(a)
})

test('openEmbedded() tries the path first, then an extracted copy, and reports both failures', () => {
  const src = join(work, 'lib2.so')
  writeFileSync(src, 'bytes')
  const tried: string[] = []
  const opened = openEmbedded(src, (p) => {
    tried.push(p)
    if (tried.length === 1) throw new Error('direct failed')
    return p
  })
  expect(tried).toHaveLength(2)
  expect(opened).not.toBe(src)
  expect(() =>
    openEmbedded(src, () => {
      throw new Error('nope')
    }),
  ).toThrow(/nope; extracted copy: nope/)
})

test('platform package names follow os-cpu(-libc)', () => {
  expect(platformPackageName('linux', 'x64', 'gnu')).toBe('@msgtrans/native-linux-x64-gnu')
  expect(platformPackageName('darwin', 'arm64', undefined)).toBe('@msgtrans/native-darwin-arm64')
})
