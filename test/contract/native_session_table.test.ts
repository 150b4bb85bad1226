import { describe, expect, test } from 'bun:test'
import { NativeError } from '../../src/native/errors.ts'
import { openNativeLibrary } from '../../src/native/loader.ts'
import { TsSessionTable } from '../../src/native/ts/session_table.ts'
import {
  sessionTableProduction,
  type SessionTable,
  type SessionTableConfig,
} from '../../src/native/types.ts'
import { ZigSessionTable } from '../../src/native/zig/session_table.ts'

type Factory = (config?: SessionTableConfig) => SessionTable

/** One suite, every SessionTable implementation. */
export function runSessionTableContract(name: string, make: Factory): void {
  describe(`SessionTable contract: ${name}`, () => {
    test('insert / lookup / remove with positive safe handles', () => {
      const t = make()
      const h = t.insert({ owner: 2, transport: 1, tag: 0xdeadbeef })
      expect(Number.isSafeInteger(h) && h > 0).toBe(true)
      expect(t.lookup(h)).toEqual({ owner: 2, transport: 1, tag: 0xdeadbeef })
      expect(t.owner(h)).toBe(2)
      expect(t.size).toBe(1)
      expect(t.remove(h)).toBe(true)
      expect(t.size).toBe(0)
      t.close()
    })

    test('stale and bogus handles miss, never throw', () => {
      const t = make()
      const h = t.insert({ owner: 0, transport: 0, tag: 0 })
      t.remove(h)
      const again = t.insert({ owner: 1, transport: 0, tag: 0 })
      expect(again).not.toBe(h)
      expect(again % 2 ** 26).toBe(h % 2 ** 26) // same slot, next generation
      for (const bad of [h, 0, -1, 1.5, 2 ** 53, 12345]) {
        expect(t.lookup(bad)).toBeNull()
        expect(t.owner(bad)).toBe(-1)
        expect(t.remove(bad)).toBe(false)
        expect(t.stats(bad)).toBeNull()
      }
      expect(t.lookup(again)?.owner).toBe(1)
      t.close()
    })

    test('grows past the initial capacity and stops at max with E_FULL', () => {
      const t = make({ initialCapacity: 10, maxCapacity: 3000, growthPercent: 50 })
      const handles = Array.from({ length: 3000 }, (_, i) =>
        t.insert({ owner: i % 4, transport: 0, tag: i }))
      expect(new Set(handles).size).toBe(3000)
      expect(t.capacity).toBe(3000)
      let error: unknown
      try { t.insert({ owner: 0, transport: 0, tag: 0 }) } catch (e) { error = e }
      expect(error).toBeInstanceOf(NativeError)
      expect((error as NativeError).code).toBe('E_FULL')
      handles.forEach((h, i) => expect(t.lookup(h)?.tag).toBe(i))
      t.close()
    })

    test('io counters per session, reset on reuse', () => {
      const t = make()
      const h = t.insert({ owner: 0, transport: 0, tag: 0 })
      expect(t.recordIo(h, true, 100)).toBe(true)
      expect(t.recordIo(h, false, 30)).toBe(true)
      expect(t.stats(h)).toEqual({ msgsIn: 1, msgsOut: 1, bytesIn: 100, bytesOut: 30 })
      t.remove(h)
      expect(t.recordIo(h, true, 1)).toBe(false)
      const next = t.insert({ owner: 0, transport: 0, tag: 0 })
      expect(t.stats(next)).toEqual({ msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 })
      t.close()
    })

    test('random operations match a Map model', () => {
      const seed = Number(process.env.MSGTRANS_SEED ?? Date.now() % 1e9)
      let state = seed
      const rand = (n: number) => {
        state = (state * 1103515245 + 12345) % 2 ** 31
        return state % n
      }
      const t = make({ initialCapacity: 0, maxCapacity: 500 })
      const live = new Map<number, number>()
      const dead: number[] = []
      try {
        for (let i = 0; i < 5000; i++) {
          const roll = rand(10)
          const keys = [...live.keys()]
          if (roll < 5 && live.size < 500) {
            const tag = rand(2 ** 31)
            live.set(t.insert({ owner: 0, transport: 0, tag }), tag)
          } else if (roll < 8 && keys.length) {
            const h = keys[rand(keys.length)]!
            expect(t.lookup(h)?.tag).toBe(live.get(h)!)
            expect(t.remove(h)).toBe(true)
            live.delete(h)
            dead.push(h)
          } else if (dead.length) {
            expect(t.lookup(dead[rand(dead.length)]!)).toBeNull()
          }
          expect(t.size).toBe(live.size)
        }
      } catch (error) {
        console.error(`${name} model: replay with MSGTRANS_SEED=${seed}`)
        throw error
      }
      t.close()
    })

    test('removeOwner sweeps exactly one owner; its handles stay dead, slots come back', () => {
      const t = make({ initialCapacity: 4, maxCapacity: 3000 })
      const mine = Array.from({ length: 1000 }, (_, i) => t.insert({ owner: i % 3, transport: 0, tag: i }))
      const doomed = mine.filter((_, i) => i % 3 === 2)
      expect(t.ownedBy(2).sort((a, b) => a - b)).toEqual([...doomed].sort((a, b) => a - b))
      expect(t.removeOwner(2)).toBe(doomed.length)
      expect(t.removeOwner(2)).toBe(0)
      expect(t.size).toBe(1000 - doomed.length)
      expect(t.ownedBy(2)).toEqual([])
      for (const h of doomed) {
        expect(t.lookup(h)).toBeNull()
        expect(t.remove(h)).toBe(false)
      }
      mine.forEach((h, i) => i % 3 !== 2 && expect(t.lookup(h)?.tag).toBe(i))
      // The swept slots are reused with the next generation, like after remove().
      const again = doomed.map(() => t.insert({ owner: 2, transport: 0, tag: 0 }))
      const slotsOf = (hs: number[]) => new Set(hs.map((h) => h % 2 ** 26))
      expect(slotsOf(again)).toEqual(slotsOf(doomed))
      for (const h of again) expect(Math.floor(h / 2 ** 26)).toBe(2)
      expect(t.ownedBy(0).length).toBe(334)
      expect(t.ownedBy(0xffffffff)).toEqual([])
      t.close()
    })

    test('rejects bad config and use after close', () => {
      expect(() => make({ initialCapacity: 10, maxCapacity: 5 })).toThrow(NativeError)
      const t = make()
      t.close()
      expect(() => t.insert({ owner: 0, transport: 0, tag: 0 })).toThrow(/after close/)
    })
  })
}

runSessionTableContract('ts', (config) => new TsSessionTable(config))

const raw = openNativeLibrary({ ...process.env, MSGTRANS_NATIVE: '1' })
test('the native library is built (bash scripts/bootstrap.sh)', () => {
  expect(raw).not.toBeNull()
})
if (raw) runSessionTableContract('zig', (config) => ZigSessionTable.create(raw.lib, config))

test('the production preset is valid for both implementations', () => {
  const tables: SessionTable[] = [new TsSessionTable(sessionTableProduction)]
  if (raw) tables.push(ZigSessionTable.create(raw.lib, sessionTableProduction))
  for (const t of tables) {
    expect(t.capacity).toBeGreaterThanOrEqual(100_000)
    t.close()
  }
})
