/** Transports: TCP (Bun.listen) and WebSocket (Bun.serve). They know no routes. */
export * from './types.ts'
export { listenTcp, TcpConnection, type TcpOptions } from './tcp.ts'
export { deliverFrame, listenWs, WsConnection, SUBPROTOCOL, type WsOptions } from './ws.ts'
export { writePacket } from './write-packet.ts'
export { heapBuffers, type OutboundBuffer, type OutboundBuffers } from './buffers.ts'
