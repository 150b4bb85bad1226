import { allocUninit, type BufferOwner } from '../protocol/index.ts'

/**
 * An outbound buffer lent by a pool: `bytes` is at least the size asked for. Whoever
 * got it calls release() once; a write queue that keeps a view retains it first.
 */
export interface OutboundBuffer extends BufferOwner {
  readonly bytes: Uint8Array
}

/** Where transports get buffers to encode outbound packets into. */
export interface OutboundBuffers {
  /** A buffer of at least `size` bytes, or null when the pool has none that big. */
  acquire(size: number): OutboundBuffer | null
}

/**
 * Plain heap buffers, for transports used without a pool (tests, mounted mode): every
 * acquire allocates, retain/release do nothing and the GC frees the bytes.
 *
 * @example
 * const conn = new TcpConnection(socket, { ...settings, buffers: heapBuffers })
 */
export const heapBuffers: OutboundBuffers = {
  acquire(size: number): OutboundBuffer {
    return new HeapBuffer(allocUninit(size))
  },
}

class HeapBuffer implements OutboundBuffer {
  constructor(readonly bytes: Uint8Array) {}
  retain(): void {}
  release(): void {}
}
