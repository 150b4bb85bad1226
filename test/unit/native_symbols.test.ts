import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { Status, symbols } from '../../src/native/symbols.ts'

const zigSrc = new URL('../../zig/src/', import.meta.url)

function zigExports(): string[] {
  const text = readFileSync(new URL('lib.zig', zigSrc), 'utf8')
  return [...text.matchAll(/^export fn (\w+)\s*\(/gm)].map((m) => m[1]!).sort()
}

function zigStatuses(): Record<string, number> {
  const text = readFileSync(new URL('status.zig', zigSrc), 'utf8')
  const body = text.match(/pub const Status = enum\(i32\) \{([^}]*)\}/)![1]!
  const entries = [...body.matchAll(/(\w+) = (-?\d+),/g)].map((m) => [m[1]!, Number(m[2])])
  return Object.fromEntries(entries)
}

describe('native symbol table', () => {
  test('every Zig export is in symbols.ts', () => {
    const ts = new Set(Object.keys(symbols))
    const missing = zigExports().filter((name) => !ts.has(name))
    expect(missing).toEqual([])
  })

  test('every symbols.ts entry is a Zig export', () => {
    const zig = new Set(zigExports())
    const extra = Object.keys(symbols).filter((name) => !zig.has(name))
    expect(extra).toEqual([])
    expect(zig.size).toBeGreaterThan(5)
  })

  test('only lib.zig exports symbols', () => {
    const others = readdirSync(zigSrc).filter((f) => f.endsWith('.zig') && f !== 'lib.zig')
    for (const file of others) {
      const text = readFileSync(new URL(file, zigSrc), 'utf8')
      expect({ file, exports: /^\s*export fn /m.test(text) }).toEqual({ file, exports: false })
    }
  })

  test('Status mirrors zig/src/status.zig', () => {
    expect({ ...Status } as Record<string, number>).toEqual(zigStatuses())
  })
})
