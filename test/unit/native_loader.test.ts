import { afterAll, describe, expect, spyOn, test } from 'bun:test'
import {
  createCore,
  loadNative,
  nativeLibraryPath,
  openNativeLibrary,
} from '../../src/native/loader.ts'

const devLib = nativeLibraryPath({})

describe('native loader', () => {
  test('finds the dev build output and loads the Zig core', () => {
    expect(devLib).toMatch(/zig\/zig-out\/lib\/libmsgtrans\.so$/)
    const core = createCore({}, { MSGTRANS_NATIVE: '1' })
    expect(core.kind).toBe('zig')
    expect(core.version).toBe('0.1.0')
    expect(core.libraryPath).toBe(devLib)
  })

  test('MSGTRANS_NATIVE=0 forces the pure-TS core', () => {
    const core = createCore({}, { MSGTRANS_NATIVE: '0' })
    expect(core.kind).toBe('ts')
    expect(core.libraryPath).toBeNull()
    const h = core.sessions.insert({ owner: 1, transport: 0, tag: 0 })
    expect(core.sessions.lookup(h)?.owner).toBe(1)
  })

  test('MSGTRANS_NATIVE_LIB overrides the path and fails loudly when wrong', () => {
    expect(openNativeLibrary({ MSGTRANS_NATIVE_LIB: devLib })?.path).toBe(devLib)
    expect(() => openNativeLibrary({ MSGTRANS_NATIVE_LIB: '/nonexistent/libx.so' })).toThrow()
  })

  test('a missing library falls back with exactly one warning', () => {
    const warn = spyOn(console, 'warn').mockImplementation(() => {})
    try {
      expect(openNativeLibrary({}, '/nonexistent/libmsgtrans.so')).toBeNull()
      expect(openNativeLibrary({}, '/nonexistent/libmsgtrans.so')).toBeNull()
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0]![0])).toContain('pure-TS fallback')
    } finally {
      warn.mockRestore()
    }
  })
})

describe('process-wide table shared by Bun Workers', () => {
  const workers: Worker[] = []
  afterAll(() => workers.forEach((w) => w.terminate()))

  function ask<T>(worker: Worker, msg: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data as T)
      worker.onerror = (e) => reject(e)
      worker.postMessage(msg)
    })
  }

  test('a session inserted on one thread is seen and removed on another', async () => {
    const core = loadNative()
    expect(core.kind).toBe('zig')
    const worker = new Worker(new URL('./native-worker.fixture.ts', import.meta.url))
    workers.push(worker)
    const mine = core.sessions.insert({ owner: 1, transport: 1, tag: 5 })
    const seen = await ask<{ kind: string; info: unknown }>(worker, { op: 'lookup', handle: mine })
    expect(seen).toEqual({ kind: 'zig', info: { owner: 1, transport: 1, tag: 5 } })
    const { handle } = await ask<{ handle: number }>(worker, { op: 'insert' })
    expect(core.sessions.lookup(handle)).toEqual({ owner: 9, transport: 2, tag: 77 })
    expect(await ask(worker, { op: 'remove', handle: mine })).toEqual({ removed: true })
    expect(core.sessions.lookup(mine)).toBeNull()
    expect(core.sessions.remove(handle)).toBe(true)
  })
})
