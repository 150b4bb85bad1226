import { rawQuic } from '../helpers/raw-quic.ts'
import { runTransportContract } from './transport.contract.ts'

const host = '127.0.0.1'

// The same suite TCP and WebSocket pass, over QUIC (node:quic, ALPN msgtrans).
runTransportContract({
  name: 'quic',
  config: { quic: { port: 0, hostname: host } },
  url: (app) => `quic://${host}:${app.ports.quic}`,
  async sendGarbage(app) {
    const peer = await rawQuic(app.ports.quic!)
    // Length prefix says 16, the header says 16 + 5: a framing mismatch.
    peer.write(Uint8Array.of(0, 0, 0, 16, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 5, 0, 0))
    await peer.ended
    peer.session.destroy()
    return peer.packets
  },
})
