/**
 * Second baseline: the least a v1 server on Bun.listen must do per packet, with nothing
 * of a framework around it. For every packet it checks the header and makes the payload
 * a handler would be given, the cheapest way known on this runtime (up to 128 bytes
 * copied out of the read with Buffer#copy, bigger ones viewed; see COPY_SMALL_PAYLOAD in
 * src/protocol/packet.ts), then answers with the same header, ext and payload:
 * - a small packet is encoded (copied) into one reply buffer, written once per read;
 * - a big one (16 KiB and more) is answered in place: its header bytes are rewritten
 *   where they are and packets back to back in the read go out as one range, by
 *   reference;
 * - a packet split across reads is collected into a per-connection buffer (one copy),
 *   reused for the next one without any check that nobody kept a view of it, then
 *   answered from there.
 * There are no routes, no sessions, no limits and no backpressure policy.
 *
 * Its ratio to the raw echo shows what framing and one view per packet cost on this
 * runtime, before any framework code runs: the reference for msgtrans's own ratio.
 *
 * Prints one JSON line {"ready":true,"tcp":port,"pid":pid} once listening.
 */
import type { Socket } from 'bun'
import { flushQueue, writeOrQueue } from './queued-writes.ts'

const BIG = 16 * 1024
const SMALL = 128
const copyRange = Buffer.prototype.copy

// What a handler gets: a copy of a small payload (no view of the fresh read), else a view.
function payloadOf(chunk: Uint8Array, start: number, end: number): Uint8Array {
  if (end - start > SMALL) return chunk.subarray(start, end)
  const out = new Uint8Array(end - start)
  copyRange.call(chunk, out, 0, start, end)
  return out
}

interface Conn {
  /** A packet being collected across reads, and how much of it is there. */
  asm: Uint8Array | null
  fill: number
  /** The collecting buffer, kept for the next split packet (a queued rest is a copy). */
  spare: Uint8Array
  /** Up to 15 bytes of a header split across reads. */
  head: Uint8Array
  headFill: number
  out: Uint8Array
  queue: Uint8Array[]
}

/** Read by nobody: keeps the payloads from being optimised away. */
export let viewed = 0

const sizeAt = (b: Uint8Array, at: number) =>
  16 + ((b[at + 8]! << 8) | b[at + 9]!) + ((b[at + 10]! << 24) >>> 0) + ((b[at + 11]! << 16) | (b[at + 12]! << 8) | b[at + 13]!)

// The header of the reply, written over the request's (the same bytes for an echo).
function rewriteHead(b: Uint8Array, at: number): void {
  if (b[at] !== 1) throw new Error(`version ${b[at]}`)
  for (let i = 0; i < 16; i++) b[at + i] = b[at + i]!
}

// Answers the whole packets in chunk[from, to): small ones copied into conn.out, runs of
// big ones written by reference. Returns where the first unfinished packet starts.
function answer(socket: Socket<Conn>, conn: Conn, chunk: Uint8Array, from: number, to: number): number {
  let off = from
  let o = 0
  let runStart = -1
  const flushOut = () => {
    if (o > 0) writeOrQueue(socket, conn.queue, conn.out.subarray(0, o))
    o = 0
  }
  const flushRun = () => {
    if (runStart >= 0) writeOrQueue(socket, conn.queue, chunk.subarray(runStart, off))
    runStart = -1
  }
  while (to - off >= 16) {
    const total = sizeAt(chunk, off)
    if (to - off < total) break
    const extLen = (chunk[off + 8]! << 8) | chunk[off + 9]!
    const payload = payloadOf(chunk, off + 16 + extLen, off + total)
    viewed += payload.length
    if (total >= BIG) {
      flushOut()
      rewriteHead(chunk, off)
      if (runStart < 0) runStart = off
    } else {
      flushRun()
      if (o + total > conn.out.length) flushOut()
      if (chunk[off] !== 1) throw new Error(`version ${chunk[off]}`)
      for (let i = 0; i < 16 + extLen; i++) conn.out[o + i] = chunk[off + i]!
      conn.out.set(payload, o + 16 + extLen)
      o += total
    }
    off += total
  }
  flushRun()
  flushOut()
  return off
}

// A view of the connection's collecting buffer for an `n`-byte packet (grown when short).
function collector(conn: Conn, n: number): Uint8Array {
  if (conn.spare.length < n) conn.spare = new Uint8Array(n)
  return conn.spare.subarray(0, n)
}

const listener = Bun.listen<Conn>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  socket: {
    open(socket) {
      socket.setNoDelay(true)
      socket.data = { asm: null, fill: 0, spare: new Uint8Array(0), head: new Uint8Array(16), headFill: 0, out: new Uint8Array(64 * 1024), queue: [] }
    },
    data(socket, chunk) {
      const conn = socket.data
      let off = 0
      if (conn.headFill > 0) {
        // Finish the split header, then collect the rest of its packet.
        const take = Math.min(16 - conn.headFill, chunk.length)
        conn.head.set(chunk.subarray(0, take), conn.headFill)
        conn.headFill += take
        off = take
        if (conn.headFill < 16) return
        conn.asm = collector(conn, sizeAt(conn.head, 0))
        conn.asm.set(conn.head)
        conn.fill = 16
        conn.headFill = 0
      }
      if (conn.asm) {
        const asm = conn.asm
        const take = Math.min(asm.length - conn.fill, chunk.length - off)
        asm.set(chunk.subarray(off, off + take), conn.fill)
        conn.fill += take
        off += take
        if (conn.fill < asm.length) return
        conn.asm = null
        answer(socket, conn, asm, 0, asm.length)
      }
      off = answer(socket, conn, chunk, off, chunk.length)
      const left = chunk.length - off
      if (left === 0) return
      if (left < 16) {
        conn.head.set(chunk.subarray(off))
        conn.headFill = left
        return
      }
      conn.asm = collector(conn, sizeAt(chunk, off))
      conn.asm.set(chunk.subarray(off))
      conn.fill = left
    },
    drain(socket) {
      flushQueue(socket, socket.data.queue)
    },
    error() {},
  },
})

console.log(JSON.stringify({ ready: true, tcp: listener.port, pid: process.pid }))
