/**
 * Baseline: raw Bun.serve WebSocket echo. Every binary message goes straight back as
 * one frame; no msgtrans decoding. The limit the msgtrans WebSocket path is compared with.
 *
 * Prints one JSON line {"ready":true,"ws":port,"pid":pid} once listening.
 */
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined
    return new Response('raw ws echo: connect with a WebSocket', { status: 426 })
  },
  websocket: {
    perMessageDeflate: false,
    maxPayloadLength: 32 * 1024 * 1024,
    message(ws, message) {
      ws.send(message)
    },
  },
})

console.log(JSON.stringify({ ready: true, ws: server.port, pid: process.pid }))
