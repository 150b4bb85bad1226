/**
 * The cluster benchmark server: the e2e echo app (bench/servers/msgtrans-echo.ts) served
 * by `listen({ workers })` (WORKERS env, default 2) on fixed ports (TCP_PORT / WS_PORT),
 * plus two routes for the cross-worker cost benchmark:
 *   whoami          -> { worker, id }
 *   burst {ids, n}  -> n app.send()s round robin over session ids, in turns of 1,000
 * Prints {"ready":true,"tcp":..,"ws":..,"pid":..,"native":..,"workers":[...]} once listening.
 */
import { Msgtrans, workerIndex } from '../../src/index.ts'
import { createEchoApp } from './msgtrans-echo.ts'

const PER_TURN = Number(process.env.BURST_PER_TURN ?? 1_000)
const workers = Number(process.env.WORKERS ?? 2)
const app: Msgtrans<any, any, any> = createEchoApp()
  .request('whoami', ({ session }) => ({ worker: workerIndex(), id: session.id }))
  .request('burst', async ({ body }) => {
    const { ids, n } = body as { ids: number[]; n: number }
    const payload = new Uint8Array(32)
    let sent = 0
    for (let i = 0; i < n; i += PER_TURN) {
      for (let k = i; k < Math.min(n, i + PER_TURN); k++) {
        if (app.send(ids[k % ids.length]!, 'sink', payload) !== 'dropped') sent++
      }
      await new Promise((r) => setImmediate(r))
    }
    return { sent }
  })

await app.listen({
  workers,
  tcp: { port: Number(process.env.TCP_PORT), hostname: '127.0.0.1' },
  ws: { port: Number(process.env.WS_PORT), hostname: '127.0.0.1' },
  log: (m: string) => console.error(`msgtrans: ${m}`),
})
if (app.cluster) {
  const native = process.env.MSGTRANS_NATIVE === '0' ? 'ts' : 'zig'
  console.log(JSON.stringify({ ready: true, ...app.ports, pid: process.pid, native, workers: app.cluster.status() }))
}
