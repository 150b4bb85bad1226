import type { NativeCore } from '../native/index.ts'
import { INBOX_CAPACITY } from './native-delivery.ts'

/** What the primary gave back to the shared pool after a worker died. */
export interface Reclaimed {
  /** Messages still queued in its native inbox (their buffer references released). */
  inbox: number
  /** References its holder ledger still listed: batches it was filling, publishes and
   * sends its sockets' write queues kept, whatever it had taken from its inbox. */
  buffers: number
}

/**
 * Returns the pooled buffers of dead worker `index` (Zig core): drains its native inbox,
 * releasing each message's buffer, then drops every reference its holder still had.
 * Call it in the primary once no live worker can push to that inbox any more (each one
 * acknowledged the death) and before the slot restarts; the counts are exact because
 * every reference is on exactly one holder's ledger or in exactly one queue.
 *
 * @example
 * const r = reclaimBuffers(loadNative(), 1) // { inbox: 3, buffers: 41 }
 */
export function reclaimBuffers(core: NativeCore, index: number): Reclaimed {
  const pool = core.buffers
  const inbox = core.queue(index, INBOX_CAPACITY)
  inbox.carryRefs(pool)
  let failed = 0
  const queued = inbox.drain((_handle, ref) => {
    try {
      pool.release(ref)
    } catch {
      failed++ // not a live ref: nothing to give back
    }
  })
  return { inbox: queued - failed, buffers: pool.releaseHolder(index) }
}
