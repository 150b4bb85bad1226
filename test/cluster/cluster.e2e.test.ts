import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import { decodePacket, encodeOutbound, jsonCodec, outboundFields, PacketType } from '../../src/protocol/index.ts'
import { waitFor } from '../helpers/wait.ts'
import { drainUnderLoad, join, peersOnEach, startCluster, type ClusterProc, type Peer } from './harness.ts'

/**
 * One contract for both cores: the Zig session table shared through the library's
 * registry, and the pure-TS fallback (MSGTRANS_NATIVE=0, SharedArrayBuffer table).
 */
for (const native of [true, false]) {
  describe(`cluster, 2 workers, ${native ? 'native core' : 'pure-TS core'}`, () => {
    let c: ClusterProc
    let peers: Peer[][]
    beforeAll(async () => {
      c = await startCluster({ native })
      peers = await peersOnEach(c, 2)
    })
    afterAll(async () => {
      for (const list of peers ?? []) for (const p of list) p.client.close()
      await c?.stop()
    })

    test('connections land on both workers (SO_REUSEPORT), ids unique', () => {
      expect(peers[0]!.length).toBeGreaterThan(0)
      expect(peers[1]!.length).toBeGreaterThan(0)
      const ids = peers.flat().map((p) => p.id)
      expect(new Set(ids).size).toBe(ids.length)
    })

    test(`workers are ${native ? 'pinned to distinct CPUs (NUMA plan)' : 'unpinned (no native core)'}`, () => {
      const line = c.output().split('\n').find((l) => l.startsWith('ready {'))!
      const status = JSON.parse(line.slice('ready '.length)).status as Array<{ cpu: number; pinned: boolean }>
      expect(status.length).toBe(2)
      if (native && navigator.hardwareConcurrency >= 2) {
        expect(status.every((s) => s.pinned)).toBe(true)
        expect(new Set(status.map((s) => s.cpu)).size).toBe(2)
      }
      if (!native) expect(status.every((s) => !s.pinned)).toBe(true)
    })

    test('the shared table knows the owner of a session on the other worker', async () => {
      const [a, b] = [peers[0]![0]!, peers[1]![0]!]
      expect(await a.client.request('owner', { id: b.id })).toEqual({ owner: 1 })
      expect(await b.client.request('owner', { id: a.id })).toEqual({ owner: 0 })
    })

    test('app.send to a session on the other worker', async () => {
      const [a, b] = [peers[0]![0]!, peers[1]![0]!]
      const got: unknown[] = []
      const off = b.client.on('note', (body) => got.push(body))
      const ba: unknown[] = []
      const off2 = a.client.on('note', (body) => ba.push(body))
      expect(await a.client.request('sendTo', { id: b.id, text: 'hi b' })).toEqual({ result: 'sent' })
      expect(await b.client.request('sendTo', { id: a.id, text: 'hi a' })).toEqual({ result: 'sent' })
      await waitFor(() => got.length === 1 && ba.length === 1, 5_000, 'cross-worker notes')
      expect(got[0]).toEqual({ text: 'hi b', from: 0 })
      expect(ba[0]).toEqual({ text: 'hi a', from: 1 })
      off()
      off2()
    })

    test('message ids of cross-worker sends count on in the owner (never 0)', async () => {
      const [a, b] = [peers[0]![0]!, peers[1]![0]!]
      const ids: number[] = []
      const off = b.client.on('note', (_body, packet) => ids.push(packet.id))
      for (let i = 0; i < 3; i++) await a.client.request('sendTo', { id: b.id, text: `n${i}` })
      await waitFor(() => ids.length === 3, 5_000, 'three notes')
      expect(ids.every((id) => id > 0)).toBe(true)
      expect(ids[1]).toBe(ids[0]! + 1)
      off()
    })

    test(`a burst of sends wakes the owner once (edge-triggered), via ${native ? 'the native queue' : 'postMessage'}`, async () => {
      const [a, b] = [peers[0]![0]!, peers[1]![0]!]
      let got = 0
      const ids: number[] = []
      const off = b.client.on('note', (_body, packet) => {
        got++
        ids.push(packet.id)
      })
      const statsB0 = (await b.client.request('stats')) as { nativeDelivered: number }
      const r = (await a.client.request('burst', { id: b.id, n: 500 })) as { sent: number; before: number }
      expect(r.sent).toBe(500)
      await waitFor(() => got === 500, 5_000, '500 notes')
      // One run of 500 packets, each stamped with the owner's next message id.
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true)
      const statsA = (await a.client.request('stats')) as { wakeups: number; path: string }
      // The 500 sends of one handler turn cost at most a couple of wake-ups, not 500.
      expect(statsA.wakeups - r.before).toBeLessThanOrEqual(2)
      expect(statsA.path).toBe(native ? 'native-queue' : 'postMessage')
      const statsB = (await b.client.request('stats')) as { nativeDelivered: number }
      expect(statsB.nativeDelivered - statsB0.nativeDelivered).toBe(native ? 500 : 0)
      off()
    })

    test('publish reaches subscribers on both workers, in order per publisher', async () => {
      const subs = [peers[0]![0]!, peers[1]![0]!]
      const seen = subs.map(() => [] as Array<{ seq: number; from: number }>)
      const offs = subs.map((s, i) => s.client.on('news', (body: { seq: number; from: number }) => seen[i]!.push(body)))
      for (const s of subs) expect(await s.client.subscribe('room')).toBe(true)
      const N = 50
      // One publisher per worker, interleaved.
      await Promise.all(
        subs.map(async (pub) => {
          for (let seq = 1; seq <= N; seq++) await pub.client.request('publish', { topic: 'room', seq })
        }),
      )
      await waitFor(() => seen.every((l) => l.length === 2 * N), 10_000, 'all publishes delivered')
      for (const list of seen) {
        for (const from of [0, 1]) {
          const seqs = list.filter((m) => m.from === from).map((m) => m.seq)
          expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1))
        }
      }
      offs.forEach((off) => off())
      for (const s of subs) await s.client.unsubscribe('room')
    })

    test('request/response to a session on the other worker', async () => {
      const [a, b] = [peers[0]![0]!, peers[1]![0]!]
      b.client.handle('question', (q: number) => ({ double: q * 2, by: 'b' }))
      a.client.handle('question', (q: number) => ({ double: q * 2, by: 'a' }))
      expect(await a.client.request('ask', { id: b.id, q: 21 })).toEqual({ answer: { double: 42, by: 'b' }, via: 0 })
      expect(await b.client.request('ask', { id: a.id, q: 5 })).toEqual({ answer: { double: 10, by: 'a' }, via: 1 })
      const notes: unknown[] = []
      const off = b.client.on('note', (n) => notes.push(n))
      expect(await a.client.request('viaRef', { id: b.id, q: 4 })).toEqual({ owner: 1, answer: { double: 8, by: 'b' } })
      expect(notes).toEqual([{ text: 'ref', from: 0 }])
      off()
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => a.client.request<{ answer: { double: number } }>('ask', { id: b.id, q: i })),
      )
      expect(many.map((m) => m.answer.double)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2))
    })

    test('close a session owned by the other worker', async () => {
      const a = peers[0]![0]!
      const victim = await waitForPeerOn(c, 1)
      expect(await a.client.request('kick', { id: victim.id })).toEqual({ ok: true })
      await victim.client.closed()
      await waitFor(async () => ((await a.client.request('owner', { id: victim.id })) as { owner: number }).owner === -1)
    })

    test('sends before a cross-worker close arrive before the close', async () => {
      const a = peers[0]![0]!
      const victim = await waitForPeerOn(c, 1, 'ws')
      let notes = 0
      victim.client.on('note', () => notes++)
      expect(await a.client.request('sendThenKick', { id: victim.id, n: 50 })).toEqual({ ok: true })
      await victim.client.closed()
      expect(notes).toBe(50)
    })

    test('a crashed worker: its sessions leave the table, the other keeps serving, it restarts', async () => {
      const a = peers[0]![0]!
      const onOne = peers[1]!
      const b = onOne[0]!
      expect(await b.client.request('crash')).toEqual({ bye: 1 })
      await Promise.all(onOne.map((p) => p.client.closed()))
      // The primary swept it once every live worker acknowledged its death.
      await waitFor(() => sweeps(c, 1).length === 1, 5_000, 'the primary handled the death')
      for (const p of onOne) {
        await waitFor(async () => ((await a.client.request('owner', { id: p.id })) as { owner: number }).owner === -1,
          5_000, `session ${p.id} swept`)
      }
      // Worker 0 and its sessions are untouched.
      for (const p of peers[0]!) expect(await p.client.request('whoami')).toEqual({ worker: 0, id: p.id })
      expect(await a.client.request('sendTo', { id: b.id, text: 'gone' })).toEqual({ result: 'dropped' })
      // The primary restarted worker 1: new connections reach it again.
      const back = await waitForPeerOn(c, 1)
      expect(await a.client.request('owner', { id: back.id })).toEqual({ owner: 1 })
      peers[1] = [back]
      expect(c.output()).toContain('worker 1 exited with code 7; restarting')
    })

    test.skipIf(!native)('a worker that dies holding pooled buffers gives every one back to the shared pool', async () => {
      const a = peers[0]![0]!
      const b = await waitForPeerOn(c, 1)
      // 100 KB publishes travel in the 1 MiB tier, which nothing else here uses (TCP and
      // cross-worker batches take 64 KiB buffers), so its in-use count is exact.
      const huge = async () => ((await a.client.request('pool')) as { inUse: number[] }).inUse[3]!
      const baseline = await huge()
      // A subscriber on worker 1 that stops reading: its socket's write queue keeps views
      // of the publishes, so worker 1 holds their buffers.
      const stalled = await stalledSubscriber(c, 1, 'flood')
      expect(await a.client.request('flood', { topic: 'flood', n: 80, size: 100_000 })).toEqual({ ok: true })
      await waitFor(async () => ((await b.client.request('stats')) as { deferredBuffers: number }).deferredBuffers > 0,
        5_000, 'worker 1 holding buffers behind the stalled socket')
      const held = await huge()
      expect(held).toBeGreaterThan(baseline)
      expect(await b.client.request('crash')).toEqual({ bye: 1 })
      await b.client.closed()
      // The primary drains its inbox and drops what its holder still had.
      await waitFor(() => sweeps(c, 1).length === 2, 5_000, 'the primary handled the second death')
      expect(await huge()).toBe(baseline)
      expect(Number(sweeps(c, 1)[1]!.match(/(\d+) buffer references/)![1])).toBeGreaterThan(0)
      stalled.destroy()
      peers[1] = [await waitForPeerOn(c, 1)]
    })
  })
}

/**
 * A raw TCP client on worker `worker`, subscribed to `topic`, that then stops reading
 * (a slow consumer): the server's writes to it back up.
 */
async function stalledSubscriber(c: ClusterProc, worker: number, topic: string): Promise<net.Socket> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const sock = net.connect(c.tcp, '127.0.0.1')
    await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject))
    let got = new Uint8Array(0)
    const answer = async (route: string, body: unknown, id: number) => {
      const f = outboundFields(route, body, jsonCodec, undefined, () => 0)
      sock.write(encodeOutbound(f, PacketType.request, id))
      await waitFor(() => got.length >= 16 && got.length >= packetSize(got), 5_000, `${route} answer`)
      return jsonCodec.decode(decodePacket(got).payload) as Record<string, unknown>
    }
    sock.on('data', (chunk: Buffer) => (got = new Uint8Array([...got, ...chunk])))
    const me = (await answer('whoami', undefined, 1)) as { worker: number }
    if (me.worker !== worker) {
      sock.destroy()
      continue
    }
    got = new Uint8Array(0)
    expect(await answer('$subscribe', { topic }, 2)).toMatchObject({ ok: true })
    sock.removeAllListeners('data')
    sock.pause()
    return sock
  }
  throw new Error(`no raw connection reached worker ${worker}`)
}

/** The primary's log lines for worker `index`'s deaths, oldest first. */
function sweeps(c: ClusterProc, index: number): string[] {
  return c.output().split('\n').filter((l) => l.includes(`worker ${index}: swept`))
}

function packetSize(b: Uint8Array): number {
  return 16 + ((b[8]! << 8) | b[9]!) + new DataView(b.buffer, b.byteOffset).getUint32(10)
}

async function waitForPeerOn(c: ClusterProc, worker: number, transport: 'tcp' | 'ws' = 'tcp'): Promise<Peer> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const p = await join(c, transport).catch(() => undefined)
    if (p?.worker === worker) return p
    p?.client.close()
  }
  throw new Error(`no connection reached worker ${worker}`)
}

describe('cluster graceful shutdown', () => {
  test('app.stop() in the primary drains every worker, closes clients with a reason, and the process ends 0', async () => {
    const c = await startCluster({ native: true, stopOnStdin: true })
    try {
      const all = (await peersOnEach(c, 2)).flat()
      const closes = all.map((p) => p.client.closed())
      const stdin = c.proc.stdin as import('bun').FileSink
      stdin.write('stop\n')
      await stdin.flush()
      const closed = await Promise.all(closes)
      // WS: close reason 'E_SHUTDOWN: ...'; TCP has no close frame, so the E_DRAINING notice.
      for (const cl of closed) expect(cl.reason).toMatch(/E_SHUTDOWN|draining/)
      expect(await c.proc.exited).toBe(0)
      expect(c.output()).toContain('stopped')
    } finally {
      await c.stop()
    }
  }, 20_000)

  for (const native of [true, false]) {
    test(`SIGTERM drains: in-flight requests on both workers complete, exit 0 (${native ? 'native' : 'pure-TS'})`, async () => {
      const c = await startCluster({ native, drainMs: 5_000 })
      try {
        const peers = await peersOnEach(c, 2)
        const all = peers.flat()
        const { results, closed, exitCode, drained } = await drainUnderLoad(c, all)
        expect(results.every((r) => r.done)).toBe(true)
        expect(new Set(results.map((r) => r.worker))).toEqual(new Set([0, 1]))
        expect(closed.length).toBe(all.length)
        expect(exitCode).toBe(0)
        expect(c.output()).toContain('SIGTERM: draining 2 workers')
        expect(drained.sessions).toBe(all.length)
        expect(drained.forced).toBe(0)
      } finally {
        await c.stop()
      }
    }, 20_000)
  }
})
