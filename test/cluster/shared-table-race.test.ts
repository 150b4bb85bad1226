import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { SharedSessionTable } from '../../src/cluster/shared-table.ts'

// Two real Workers race on one slot of the fallback table: one inserts sessions (the slot
// comes back with a new generation and the same owner each time) and removes them, the
// other removes the same handles. A remove that read the slot for one session must never
// take the next one that reused the slot before anyone knew its handle. Bounded: 1.5 s.
test('a stale remove never removes the session that reused its slot (2 Workers)', async () => {
  const sab = SharedSessionTable.allocate(1)
  const stale = new SharedArrayBuffer(4 * 8)
  const run = (role: string) =>
    new Promise<{ ops: number; lost: number; wrongRemoves: number }>((resolve, reject) => {
      const w = new Worker(join(import.meta.dir, 'shared-table-race.fixture.ts'))
      w.onmessage = (e) => {
        resolve(e.data)
        w.terminate()
      }
      w.onerror = (e) => reject(e)
      w.postMessage({ sab, role, ms: 1_500, stale })
    })
  const [owner, other] = await Promise.all([run('owner'), run('stale')])
  expect(owner.ops).toBeGreaterThan(10_000)
  expect(other.ops).toBeGreaterThan(10_000)
  expect({ lost: owner.lost, wrongRemoves: other.wrongRemoves }).toEqual({ lost: 0, wrongRemoves: 0 })
  expect(new SharedSessionTable(sab).size).toBe(0)
}, 10_000)
