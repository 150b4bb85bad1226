import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, ReconnectingClient } from '../../src/index.ts'
import { waitFor } from '../helpers/wait.ts'
import { drainUnderLoad, join, startCluster, type ClusterProc, type Peer } from './harness.ts'

/**
 * QUIC in cluster mode (the fixture test/cluster/app.ts as a real process, 2 workers):
 * worker 0 serves QUIC with the certificate the primary generated, and QUIC sessions
 * live in the shared table like TCP/WS ones, on both cores.
 */
for (const native of [true, false]) {
  describe(`cluster QUIC, 2 workers, ${native ? 'native core' : 'pure-TS core'}`, () => {
    let c: ClusterProc
    let q: Peer
    let other: Peer
    const opened: Peer[] = []
    beforeAll(async () => {
      c = await startCluster({ native })
      q = await join(c, 'quic')
      other = await peerOn(c, 1, 'tcp')
      opened.push(q, other)
    })
    afterAll(async () => {
      for (const p of opened) p.client.close()
      await c?.stop()
    })

    test('the primary picked a UDP port; worker 0 serves QUIC with the pinned dev certificate', async () => {
      expect(c.quic).toBeGreaterThan(0)
      expect(q.worker).toBe(0)
      for (let i = 0; i < 3; i++) {
        const p = await join(c, 'quic')
        opened.push(p)
        expect(p.worker).toBe(0)
      }
      const wrong = await connect(`quic://127.0.0.1:${c.quic}`, { fingerprint: '00'.repeat(32) }).catch((e) => e)
      expect(wrong.code).toBe('E_TLS')
      // The dev certificate is generated once, in the primary: one log line.
      expect(c.output().match(/self-signed ECDSA P-256/g)?.length).toBe(1)
    })

    test('a QUIC session is in the shared table, seen from the other worker', async () => {
      expect(await other.client.request('owner', { id: q.id })).toEqual({ owner: 0 })
      expect(await q.client.request('owner', { id: other.id })).toEqual({ owner: 1 })
    })

    test('a QUIC subscriber gets publishes from a TCP client on the other worker, in order', async () => {
      const seen: Array<{ seq: number; from: number }> = []
      const off = q.client.on('news', (body: { seq: number; from: number }) => seen.push(body))
      expect(await q.client.subscribe('qroom')).toBe(true)
      const N = 30
      for (let seq = 1; seq <= N; seq++) await other.client.request('publish', { topic: 'qroom', seq })
      await waitFor(() => seen.length === N, 5_000, 'publishes over QUIC')
      expect(seen).toEqual(Array.from({ length: N }, (_, i) => ({ seq: i + 1, from: 1 })))
      off()
      await q.client.unsubscribe('qroom')
    })

    test('app.send from the other worker reaches the QUIC session; bursts arrive intact', async () => {
      const notes: Array<{ text: string; from: number }> = []
      const ids: number[] = []
      const off = q.client.on('note', (body: { text: string; from: number }, packet) => {
        notes.push(body)
        ids.push(packet.id)
      })
      expect(await other.client.request('sendTo', { id: q.id, text: 'hi quic' })).toEqual({ result: 'sent' })
      await waitFor(() => notes.length === 1, 5_000, 'one note')
      expect(notes[0]).toEqual({ text: 'hi quic', from: 1 })
      // Bursts bigger than the QUIC stream buffer (64 KiB), one handler turn each: the
      // owner's write queue holds packets of a shared buffer while later turns reuse buffers.
      const rounds = 6
      const n = 1_500
      for (let r = 0; r < rounds; r++) {
        expect(((await other.client.request('burst', { id: q.id, n, tag: `r${r}.` })) as { sent: number }).sent).toBe(n)
      }
      await waitFor(() => notes.length === 1 + rounds * n, 10_000, 'every burst note')
      const texts = notes.slice(1).map((m) => m.text)
      const want = Array.from({ length: rounds }, (_, r) => Array.from({ length: n }, (_, i) => `r${r}.${i}`)).flat()
      expect(texts).toEqual(want)
      expect(ids.every((id, i) => i === 0 || id === ids[i - 1]! + 1)).toBe(true)
      const stats = (await other.client.request('stats')) as { path: string }
      expect(stats.path).toBe(native ? 'native-queue' : 'postMessage')
      off()
    })

    test('request/response across workers, both ways, with a QUIC session', async () => {
      q.client.handle('question', (n: number) => ({ double: n * 2, by: 'quic' }))
      other.client.handle('question', (n: number) => ({ double: n * 2, by: 'tcp' }))
      expect(await other.client.request('ask', { id: q.id, q: 21 })).toEqual({ answer: { double: 42, by: 'quic' }, via: 1 })
      expect(await q.client.request('ask', { id: other.id, q: 5 })).toEqual({ answer: { double: 10, by: 'tcp' }, via: 0 })
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => other.client.request<{ answer: { double: number } }>('ask', { id: q.id, q: i })),
      )
      expect(many.map((m) => m.answer.double)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2))
    })

    test('the other worker closes a QUIC session; sends before the close arrive first', async () => {
      const victim = await join(c, 'quic')
      let notes = 0
      victim.client.on('note', () => notes++)
      expect(await other.client.request('sendThenKick', { id: victim.id, n: 20 })).toEqual({ ok: true })
      await victim.client.closed()
      expect(notes).toBe(20)
      await waitFor(async () => ((await other.client.request('owner', { id: victim.id })) as { owner: number }).owner === -1,
        5_000, 'kicked QUIC session removed')
    })

    test('the QUIC worker crashes: sessions swept, it returns on the same port and certificate', async () => {
      // QUIC has no FIN/RST: the client of a dead worker learns from its heartbeat
      // (docs/quic.md, defect 7), then reconnects, pinning the same fingerprint.
      const rc = new ReconnectingClient(`quic://127.0.0.1:${c.quic}`, {
        connect: (url, o) => connect(url, { ...o, fingerprint: c.fingerprint, connectTimeout: 500 }),
        heartbeat: { interval: 100, timeout: 500 },
        backoff: { initial: 50, max: 200 },
      })
      try {
        await rc.ready()
        const before = await rc.request<{ worker: number; id: number }>('whoami' as never)
        expect(before.worker).toBe(0)
        expect(await rc.request<{ bye: number }>('crash' as never)).toEqual({ bye: 0 })
        for (const id of [before.id, q.id]) {
          await waitFor(async () => ((await other.client.request('owner', { id })) as { owner: number }).owner === -1,
            5_000, `QUIC session ${id} swept`)
        }
        expect(await other.client.request('sendTo', { id: before.id, text: 'gone' })).toEqual({ result: 'dropped' })
        await waitFor(() => rc.connections === 2 && rc.state === 'open', 10_000, 'reconnected to the new worker 0')
        const after = await rc.request<{ worker: number; id: number }>('whoami' as never)
        expect(after.worker).toBe(0)
        expect(after.id).not.toBe(before.id)
        expect(await other.client.request('owner', { id: after.id })).toEqual({ owner: 0 })
        expect(c.output()).toContain('worker 0 exited with code 7; restarting')
      } finally {
        await rc.close()
      }
    }, 20_000)
  })
}

async function peerOn(c: ClusterProc, worker: number, transport: 'tcp' | 'ws'): Promise<Peer> {
  for (let i = 0; i < 64; i++) {
    const p = await join(c, transport)
    if (p.worker === worker) return p
    p.client.close()
  }
  throw new Error(`no ${transport} connection reached worker ${worker}`)
}

describe('cluster QUIC graceful shutdown', () => {
  test('SIGTERM drains a QUIC session beside TCP ones: in-flight requests complete, exit 0', async () => {
    const c = await startCluster({ native: true, drainMs: 5_000 })
    try {
      const all = [await join(c, 'quic'), await peerOn(c, 1, 'tcp')]
      const { results, closed, exitCode, drained } = await drainUnderLoad(c, all)
      expect(results).toEqual([{ done: true, worker: 0 }, { done: true, worker: 1 }])
      expect(closed.length).toBe(2)
      expect(exitCode).toBe(0)
      expect(drained.sessions).toBe(2)
      expect(drained.forced).toBe(0)
    } finally {
      await c.stop()
    }
  }, 20_000)
})
