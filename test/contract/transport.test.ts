import { decodePacket, type Packet } from '../../src/protocol/index.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { runTransportContract } from './transport.contract.ts'

const host = '127.0.0.1'
// A header with version 2: not v1 on any transport.
const BAD_HEADER = Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0)

runTransportContract({
  name: 'tcp',
  config: { tcp: { port: 0, hostname: host } },
  url: (app) => `tcp://${host}:${app.ports.tcp}`,
  async sendGarbage(app) {
    const peer = await rawTcp(app.ports.tcp!)
    peer.write(BAD_HEADER)
    await peer.closed
    return peer.packets
  },
})
runTransportContract({
  name: 'ws',
  config: { ws: { port: 0, hostname: host } },
  url: (app) => `ws://${host}:${app.ports.ws}`,
  async sendGarbage(app) {
    const ws = new WebSocket(`ws://${host}:${app.ports.ws}`)
    ws.binaryType = 'arraybuffer'
    const packets: Packet[] = []
    ws.onmessage = (e) => packets.push(decodePacket(new Uint8Array(e.data as ArrayBuffer)))
    await new Promise((r) => (ws.onopen = r))
    const closed = new Promise((r) => (ws.onclose = r))
    ws.send(BAD_HEADER)
    await closed
    return packets
  },
})
