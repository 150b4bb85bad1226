// A Bun Worker that sends pooled buffers to a peer's native queue, or drains its own.
import { loadNative } from '../../src/native/loader.ts'

declare const self: Worker
const core = loadNative()

type Msg = { op: 'send'; to: number; count: number } | { op: 'drain'; me: number }

self.onmessage = (event: MessageEvent<Msg>) => {
  const msg = event.data
  if (msg.op === 'send') {
    const queue = core.queue(msg.to)
    for (let i = 0; i < msg.count; i++) {
      const ref = core.buffers.acquire(100)
      core.buffers.view(ref).fill(i & 0xff, 0, 100)
      const handle = core.sessions.insert({ owner: msg.to, transport: 0, tag: i })
      const result = queue.push(handle, ref, 100, 0)
      if (result === 'full') throw new Error('queue full')
      if (result === 'wake') postMessage({ nudge: msg.to })
    }
    postMessage({ sent: msg.count })
  } else {
    const queue = core.queue(msg.me)
    let received = 0
    let bad = 0
    do {
      received += queue.drain((handle, ref, len) => {
        const info = core.sessions.lookup(handle)
        const bytes = core.buffers.view(ref).subarray(0, len)
        if (!info || info.owner !== msg.me || bytes.some((b) => b !== (info.tag & 0xff))) bad++
        core.sessions.remove(handle)
        core.buffers.release(ref)
      })
    } while (!queue.prepareSleep())
    postMessage({ received, bad })
  }
}
