import { expect, test } from 'bun:test'
import { runSoak, TINY } from '../../bench/soak/soak.ts'

test('soak (tiny): churn + steady load, then every per-connection structure back to baseline', async () => {
  const r = await runSoak(TINY)
  expect(r.leaks).toEqual([])
  expect(r.opened).toBeGreaterThan(TINY.clients) // clients really left and joined
  expect(r.requestsOk).toBeGreaterThan(0)
  expect(r.requestErrors).toBe(0)
  expect(r.mismatches).toBe(0)
  expect(r.delivered).toBeGreaterThan(0)
  expect(r.after.fds).toBe(r.baseline.fds)
}, 20_000)
