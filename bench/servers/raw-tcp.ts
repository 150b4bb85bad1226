/**
 * Baseline: raw Bun.listen echo that frames nothing. Every chunk is written straight
 * back; what the kernel does not take is queued and flushed on drain (the load
 * generator bounds what is in flight, so the queue is bounded too). This is the
 * physical limit of TCP on this runtime that the msgtrans server is compared with.
 *
 * Prints one JSON line {"ready":true,"tcp":port,"pid":pid} once listening.
 */
import type { Socket } from 'bun'

interface Pending {
  queue: Uint8Array[]
}

function flush(socket: Socket<Pending>): void {
  const q = socket.data.queue
  while (q.length > 0) {
    const head = q[0]!
    const n = socket.write(head)
    if (n < head.length) {
      q[0] = head.subarray(Math.max(n, 0))
      return
    }
    q.shift()
  }
}

const listener = Bun.listen<Pending>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  socket: {
    open(socket) {
      socket.setNoDelay(true)
      socket.data = { queue: [] }
    },
    data(socket, chunk) {
      const q = socket.data.queue
      if (q.length > 0) {
        q.push(chunk.slice())
        return
      }
      const n = socket.write(chunk)
      if (n < chunk.length) q.push(chunk.slice(Math.max(n, 0)))
    },
    drain(socket) {
      flush(socket)
    },
    error() {},
  },
})

console.log(JSON.stringify({ ready: true, tcp: listener.port, pid: process.pid }))
