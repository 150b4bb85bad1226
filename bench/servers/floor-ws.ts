/**
 * Second baseline for WebSocket: the least a v1 server on Bun.serve must do per frame,
 * with nothing of a framework around it. It checks the header, makes the payload view a
 * handler would be given, encodes the reply (same header, ext and payload) into a
 * reused buffer and sends it as one binary frame. No routes, sessions or limits.
 *
 * The payload is made the cheapest way known on this runtime: up to 128 bytes are copied
 * into an array of their own (Buffer#copy, no view of the frame); bigger frames are
 * copied into a reused buffer and viewed there (a view of the fresh frame itself makes
 * the engine move the frame into an ArrayBuffer of its own, which costs more; see
 * src/protocol/frame-arena.ts).
 *
 * Its ratio to the raw WebSocket echo shows what v1 decoding, one view and one encode
 * per message cost on this runtime before any framework code runs.
 *
 * Prints one JSON line {"ready":true,"ws":port,"pid":pid} once listening.
 */
const SMALL = 128
let copy = new Uint8Array(64 * 1024)
let out = new Uint8Array(64 * 1024)
// Views of `out` by length, as msgtrans caches its send buffer's views.
let outViews: Uint8Array[] = []
/** Read by nobody: keeps the payload views from being optimised away. */
export let viewed = 0

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined
    return new Response('v1 floor echo: connect with a WebSocket', { status: 426 })
  },
  websocket: {
    perMessageDeflate: false,
    maxPayloadLength: 32 * 1024 * 1024,
    message(ws, frame) {
      if (typeof frame === 'string' || frame.length < 16 || frame[0] !== 1) {
        ws.close(1002, 'not a v1 packet')
        return
      }
      const extLen = (frame[8]! << 8) | frame[9]!
      const head = 16 + extLen
      const total = frame.length
      if (total > out.length) {
        copy = new Uint8Array(total * 2)
        out = new Uint8Array(total * 2)
        outViews = []
      }
      let payload: Uint8Array // what a handler gets
      if (total - head <= SMALL) {
        payload = new Uint8Array(total - head)
        frame.copy(payload, 0, head, total)
      } else {
        copy.set(frame)
        payload = copy.subarray(head, total)
      }
      viewed += payload.length
      for (let i = 0; i < head; i++) out[i] = frame[i]!
      out.set(payload, head)
      ws.sendBinary(total <= 4096 ? (outViews[total] ??= out.subarray(0, total)) : out.subarray(0, total))
    },
  },
})

console.log(JSON.stringify({ ready: true, ws: server.port, pid: process.pid }))
