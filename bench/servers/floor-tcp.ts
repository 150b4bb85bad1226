/**
 * Second baseline: the least a v1 server on Bun.listen must do per packet, with nothing
 * of a framework around it. For every packet in a read it checks the header, makes the
 * payload view a handler would be given, and copies the reply (same header, ext and
 * payload) into one buffer that is written once per read. There are no routes, no
 * sessions, no limits and no backpressure policy, and a packet split across reads is
 * carried over by concatenation.
 *
 * Its ratio to the raw echo shows what framing and one view per packet cost on this
 * runtime, before any framework code runs: a ceiling for msgtrans's own ratio.
 *
 * Prints one JSON line {"ready":true,"tcp":port,"pid":pid} once listening.
 */
import { flushQueue, writeOrQueue } from './queued-writes.ts'

interface Conn {
  rest: Uint8Array | null
  out: Uint8Array
  queue: Uint8Array[]
}

/** Read by nobody: keeps the payload views from being optimised away. */
export let viewed = 0

function echoPackets(conn: Conn, buf: Uint8Array): number {
  let off = 0
  let o = 0
  while (buf.length - off >= 16) {
    if (buf[off] !== 1) throw new Error(`version ${buf[off]}`)
    const extLen = (buf[off + 8]! << 8) | buf[off + 9]!
    const len = ((buf[off + 10]! << 24) >>> 0) + ((buf[off + 11]! << 16) | (buf[off + 12]! << 8) | buf[off + 13]!)
    const total = 16 + extLen + len
    if (buf.length - off < total) break
    if (o + total > conn.out.length) {
      const bigger = new Uint8Array(Math.max(conn.out.length * 2, o + total))
      bigger.set(conn.out.subarray(0, o))
      conn.out = bigger
    }
    const out = conn.out
    const payload = buf.subarray(off + 16 + extLen, off + total) // what a handler gets
    viewed += payload.length
    for (let i = 0; i < 16 + extLen; i++) out[o + i] = buf[off + i]!
    out.set(payload, o + 16 + extLen)
    o += total
    off += total
  }
  conn.rest = off < buf.length ? buf.slice(off) : null
  return o
}

const listener = Bun.listen<Conn>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  socket: {
    open(socket) {
      socket.setNoDelay(true)
      socket.data = { rest: null, out: new Uint8Array(64 * 1024), queue: [] }
    },
    data(socket, chunk) {
      const conn = socket.data
      let buf: Uint8Array = chunk
      if (conn.rest) {
        buf = new Uint8Array(conn.rest.length + chunk.length)
        buf.set(conn.rest)
        buf.set(chunk, conn.rest.length)
      }
      const n = echoPackets(conn, buf)
      if (n > 0) writeOrQueue(socket, conn.queue, conn.out.subarray(0, n))
    },
    drain(socket) {
      flushQueue(socket, socket.data.queue)
    },
    error() {},
  },
})

console.log(JSON.stringify({ ready: true, tcp: listener.port, pid: process.pid }))
