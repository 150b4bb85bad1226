// Cross-worker vs same-worker send, CPU per message, in one thread (no wake-ups, no
// sockets, no scheduler noise): the two halves of a native cross-worker send measured
// apart, against app.send() to a session of this worker.
//   sender: app.send()'s encode into the peer's batch (NativeDelivery.sendParts)
//   owner:  the inbox drain writing each record to its session (lookup, copy, stamp)
//   same:   app.send() to a local session (encoded straight into its socket batch)
// Round robin over 8 receiving sessions (each gets 125 packets a turn) and over 1,000
// (each gets one: the worst case, nothing to group); 1,000 sends per turn, 32-byte payloads.
//   bun bench/cross-worker.bench.ts          full (writes bench/results/cross-worker.*)
//   BENCH_TINY=1 bun bench/cross-worker.bench.ts
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import { poolBuffers } from '../src/app/pooled.ts'
import { NativeDelivery, type ToSession } from '../src/cluster/native-delivery.ts'
import { Msgtrans } from '../src/index.ts'
import { loadNative } from '../src/native/index.ts'
import { encodeBody, jsonCodec, ROUTE_FLAGS, routeExt } from '../src/protocol/index.ts'
import { NullConnection } from './null-connection.ts'

const tiny = process.env.BENCH_TINY === '1'
const ROUNDS = tiny ? 20 : 4_000
const PER_TURN = 1_000
const RECEIVER_COUNTS = [8, 1_000]

const core = loadNative()
if (core.kind !== 'zig') {
  console.log('cross-worker bench: needs the Zig core (native queues); skipped')
  process.exit(0)
}
// Queue ids away from those a cluster in this process would use.
const SENDER = 230
const OWNER = 231
const sender = new NativeDelivery(core, SENDER, () => {})
const owner = new NativeDelivery(core, OWNER, () => {})
owner.drain(() => null, () => null) // arm the inbox, as a started worker does

const app = new Msgtrans({ log: () => {} })
const handlers = app.mount()
const conns = Array.from({ length: Math.max(...RECEIVER_COUNTS) }, () => new NullConnection(poolBuffers(core.buffers)))
for (const c of conns) handlers.open(c)
const ids = [...app.sessions.keys()]
const payload = new Uint8Array(32)
const ext = routeExt('sink')
const toSession: ToSession = (handle, bytes, from, to) => {
  app.sessions.get(handle)!.writeStamped(bytes, from, to)
  return null
}

function cpuNs(work: () => void): number {
  const t = process.cpuUsage()
  work()
  const d = process.cpuUsage(t)
  return (d.user + d.system) * 1000
}

async function measure(receivers: number) {
  const total = { sender: 0, owner: 0, same: 0 }
  for (let r = 0; r < ROUNDS; r++) {
    const warm = r < ROUNDS / 10
    const s = cpuNs(() => {
      for (let k = 0; k < PER_TURN; k++) {
        sender.sendParts(OWNER, ids[k % receivers]!, 0, ROUTE_FLAGS, 0, ext, encodeBody(payload, jsonCodec))
      }
    })
    await Promise.resolve() // end of turn: the sender's batch and runs are pushed
    const o = cpuNs(() => owner.drain(toSession, () => null))
    await Promise.resolve() // the receivers' socket batches flush
    const m = cpuNs(() => {
      for (let k = 0; k < PER_TURN; k++) app.send(ids[k % receivers]!, 'sink', payload)
    })
    await Promise.resolve()
    if (warm) continue
    total.sender += s
    total.owner += o
    total.same += m
  }
  const measured = (ROUNDS - Math.ceil(ROUNDS / 10)) * PER_TURN
  const per = (ns: number) => +(ns / measured).toFixed(1)
  return {
    receivers,
    messages: measured,
    senderNs: per(total.sender),
    ownerNs: per(total.owner),
    crossNs: per(total.sender + total.owner),
    sameNs: per(total.same),
    ratio: +((total.sender + total.owner) / total.same).toFixed(2),
  }
}

const rows = []
for (const n of RECEIVER_COUNTS) rows.push(await measure(n))
const result = {
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, date: new Date().toISOString() },
  perTurn: PER_TURN,
  rows,
}
const expected = RECEIVER_COUNTS.length * ROUNDS * PER_TURN * 2 * (16 + ext.length + payload.length)
const written = conns.reduce((n, c) => n + c.bytes, 0)
if (written !== expected) throw new Error(`wrote ${written} bytes, expected ${expected}`)
if (tiny) {
  console.log(`cross-worker bench tiny: ${ROUNDS * PER_TURN} sends each way per case`)
} else {
  console.log(JSON.stringify(result))
  await mkdir('bench/results', { recursive: true })
  await Bun.write('bench/results/cross-worker.json', JSON.stringify(result, null, 2))
  await Bun.write(
    'bench/results/cross-worker.md',
    [
      `# cross-worker vs same-worker send, CPU per message in one thread (${result.machine.cpu}, bun ${result.machine.bun}, ${result.machine.date})`,
      '',
      `Round robin over the receiving sessions, ${PER_TURN} sends per turn, ${rows[0]!.messages.toLocaleString('en-US')} messages measured per row.`,
      '',
      '| receivers | sender (encode) | owner (drain: lookup, copy, stamp) | cross total | same-worker app.send | ratio |',
      '|--:|--:|--:|--:|--:|--:|',
      ...rows.map((r) => `| ${r.receivers} | ${r.senderNs} ns | ${r.ownerNs} ns | ${r.crossNs} ns | ${r.sameNs} ns | ${r.ratio}x |`),
      '',
    ].join('\n'),
  )
}
