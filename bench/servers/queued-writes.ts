import type { Socket } from 'bun'

/**
 * The write queue of the baseline echo servers: what the socket does not take is kept
 * as a copy (the floor server reuses its reply buffer) and written on drain. The load
 * generator bounds what is in flight, so the queue is bounded too.
 *
 * @example
 * data(socket, chunk) { writeOrQueue(socket, socket.data.queue, chunk) }
 * drain(socket) { flushQueue(socket, socket.data.queue) }
 */
export function writeOrQueue(socket: Socket<unknown>, queue: Uint8Array[], bytes: Uint8Array): void {
  if (queue.length > 0) {
    queue.push(bytes.slice())
    return
  }
  const n = socket.write(bytes)
  if (n < bytes.length) queue.push(bytes.slice(Math.max(n, 0)))
}

/** Writes what is queued until the socket takes no more. */
export function flushQueue(socket: Socket<unknown>, queue: Uint8Array[]): void {
  while (queue.length > 0) {
    const head = queue[0]!
    const n = socket.write(head)
    if (n < head.length) {
      queue[0] = head.subarray(Math.max(n, 0))
      return
    }
    queue.shift()
  }
}
