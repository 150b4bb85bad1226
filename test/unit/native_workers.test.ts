import { afterAll, expect, test } from 'bun:test'
import { loadNative } from '../../src/native/loader.ts'

const workers: Worker[] = []
afterAll(() => workers.forEach((w) => w.terminate()))

test('two Bun Workers share the session table, buffer pool and queues', async () => {
  const core = loadNative()
  expect(core.kind).toBe('zig')
  const url = new URL('./native-pool-worker.fixture.ts', import.meta.url)
  const sender = new Worker(url)
  const receiver = new Worker(url)
  workers.push(sender, receiver)
  const sessionsBefore = core.sessions.size
  const inUseBefore = core.buffers.stats()[0]!.inUse
  const total = 2000
  let received = 0
  let bad = 0
  let nudges = 0
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${received}/${total}`)), 10_000)
    sender.onerror = receiver.onerror = (e) => reject(e)
    sender.onmessage = (e) => {
      if (e.data.nudge === 7) {
        nudges++
        receiver.postMessage({ op: 'drain', me: 7 })
      }
    }
    receiver.onmessage = (e) => {
      received += e.data.received
      bad += e.data.bad
      if (received === total) {
        clearTimeout(timer)
        resolve()
      }
    }
  })
  sender.postMessage({ op: 'send', to: 7, count: total })
  await done
  expect(bad).toBe(0)
  expect(nudges).toBeGreaterThan(0)
  expect(nudges).toBeLessThan(total) // woken on idle edges only, not per message
  // Buffers acquired by one worker and released by the other are back in the pool.
  expect(core.buffers.stats()[0]!.inUse).toBe(inUseBefore)
  expect(core.sessions.size).toBe(sessionsBefore)
  expect(core.queue(7).stats()).toMatchObject({ pushed: total, popped: total, len: 0 })
})
