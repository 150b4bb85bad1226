import type { SendResult } from '../src/protocol/index.ts'
import type { Connection, OutboundBuffers } from '../src/transport/index.ts'
import { WriteBatch } from '../src/transport/batch.ts'

/**
 * A connection for in-process benchmarks: batches like TCP (sends encoded in place into
 * its batch, from `buffers` when given) and counts the bytes it would write.
 *
 * @example
 * const conn = new NullConnection(poolBuffers(core.buffers))
 * app.mount().open(conn)
 */
export class NullConnection implements Connection {
  readonly transport = 'tcp' as const
  readonly remoteAddress = '127.0.0.1'
  readonly bufferedAmount = 0
  readonly closed = false
  /** Bytes "written" so far. */
  bytes = 0
  readonly batch: WriteBatch

  constructor(buffers?: OutboundBuffers) {
    this.batch = new WriteBatch({ flushBatch: (b) => ((this.bytes += b.length), false) }, undefined, buffers)
  }

  write(p: Uint8Array): SendResult {
    if (!this.batch.add(p)) this.bytes += p.length
    return 'sent'
  }

  reserve(n: number) {
    return this.batch.reserve(n)
  }

  commitReserved(n: number): SendResult {
    this.batch.commit(n)
    return 'sent'
  }

  close() {}
}
