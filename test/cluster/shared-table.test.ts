import { expect, test } from 'bun:test'
import { SharedSessionTable } from '../../src/cluster/shared-table.ts'

// The fallback's shared table against a Map reference model under random operations.
test('SharedSessionTable matches a reference model (seeded random ops)', () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000)
  let x = seed || 1
  const rand = (n: number) => ((x = (x * 48271) % 2147483647), x % n)
  const t = new SharedSessionTable(SharedSessionTable.allocate(64))
  const model = new Map<number, { owner: number; transport: number; tag: number }>()
  const dead: number[] = []
  try {
    for (let i = 0; i < 5_000; i++) {
      const op = rand(3)
      if (op === 0 && model.size < 64) {
        const info = { owner: rand(4), transport: rand(3), tag: rand(1000) }
        const h = t.insert(info)
        expect(model.has(h)).toBe(false)
        model.set(h, info)
      } else if (op === 1 && model.size > 0) {
        const h = [...model.keys()][rand(model.size)]!
        expect(t.remove(h)).toBe(true)
        model.delete(h)
        dead.push(h)
      } else if (op === 2 && rand(10) === 0 && model.size > 0) {
        // Sweep one owner (a worker that died).
        const owner = [...model.values()][rand(model.size)]!.owner
        const doomed = [...model].filter(([, info]) => info.owner === owner).map(([h]) => h)
        expect(t.ownedBy(owner).sort()).toEqual([...doomed].sort())
        expect(t.removeOwner(owner)).toBe(doomed.length)
        for (const h of doomed) model.delete(h)
        dead.push(...doomed)
      } else if (dead.length > 0) {
        const h = dead[rand(dead.length)]!
        expect(t.lookup(h)).toBeNull()
        expect(t.owner(h)).toBe(-1)
        expect(t.remove(h)).toBe(false)
      }
      expect(t.size).toBe(model.size)
    }
    for (const [h, info] of model) expect(t.lookup(h)).toEqual(info)
  } catch (e) {
    throw new Error(`seed ${seed}: ${(e as Error).message}`)
  }
})

test('SharedSessionTable: full table throws E_FULL, two views share one buffer', () => {
  const sab = SharedSessionTable.allocate(2)
  const a = new SharedSessionTable(sab)
  const b = new SharedSessionTable(sab)
  const h1 = a.insert({ owner: 0, transport: 0, tag: 0 })
  const h2 = b.insert({ owner: 1, transport: 1, tag: 7 })
  expect(() => a.insert({ owner: 0, transport: 0, tag: 0 })).toThrow(/E_FULL/)
  expect(b.owner(h1)).toBe(0)
  expect(a.lookup(h2)).toEqual({ owner: 1, transport: 1, tag: 7 })
  expect(b.remove(h1)).toBe(true)
  expect(a.lookup(h1)).toBeNull()
  for (const bad of [0, -1, 1.5, 2 ** 53, 12345]) expect(a.owner(bad)).toBe(-1)
})
