// Worker side of shared-table-race.test.ts. role 'owner': inserts sessions in a 1-slot
// table, checks each is there before anyone knows its handle, publishes the handle and
// removes it; role 'stale': removes the last published handle, racing the owner.
import { SharedSessionTable } from '../../src/cluster/shared-table.ts'

declare const self: Worker
self.onmessage = (e: MessageEvent) => {
  const { sab, role, ms, stale } = e.data as { sab: SharedArrayBuffer; role: string; ms: number; stale: SharedArrayBuffer }
  const t = new SharedSessionTable(sab)
  const dead = new Float64Array(stale) // the owner's last removed handles, for the other worker
  const until = performance.now() + ms
  let ops = 0
  let lost = 0
  let wrongRemoves = 0
  while (performance.now() < until) {
    for (let k = 0; k < 256; k++, ops++) {
      if (role === 'owner') {
        const h = t.insert({ owner: 1, transport: 0, tag: 0 })
        // Nobody knows h yet: only a remove aimed at the slot's previous session can take it.
        if (t.owner(h) !== 1) lost++
        dead[0] = h // now the other worker may remove it
        t.remove(h) // or it already did: both are fine
      } else {
        const h = dead[0]!
        if (h > 0) t.remove(h)
      }
    }
  }
  self.postMessage({ ops, lost, wrongRemoves })
}
