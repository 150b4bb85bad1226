// Runs inside a Bun Worker: the same process-wide native table as the main thread.
import { loadNative } from '../../src/native/loader.ts'

declare const self: Worker
const core = loadNative()
self.onmessage = (event: MessageEvent<{ op: string; handle?: number }>) => {
  const { op, handle } = event.data
  if (op === 'lookup') postMessage({ kind: core.kind, info: core.sessions.lookup(handle!) })
  if (op === 'insert') {
    postMessage({ handle: core.sessions.insert({ owner: 9, transport: 2, tag: 77 }) })
  }
  if (op === 'remove') postMessage({ removed: core.sessions.remove(handle!) })
}
