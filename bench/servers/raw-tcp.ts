/**
 * Baseline: raw Bun.listen echo that frames nothing. Every chunk is written straight
 * back; what the kernel does not take is queued and flushed on drain (the load
 * generator bounds what is in flight, so the queue is bounded too). This is the
 * physical limit of TCP on this runtime that the msgtrans server is compared with.
 *
 * Prints one JSON line {"ready":true,"tcp":port,"pid":pid} once listening.
 */
import { flushQueue, writeOrQueue } from './queued-writes.ts'

interface Pending {
  queue: Uint8Array[]
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
      writeOrQueue(socket, socket.data.queue, chunk)
    },
    drain(socket) {
      flushQueue(socket, socket.data.queue)
    },
    error() {},
  },
})

console.log(JSON.stringify({ ready: true, tcp: listener.port, pid: process.pid }))
