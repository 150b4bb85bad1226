import type { Socket } from 'bun'
import { TcpFramer, type Packet } from '../../src/protocol/index.ts'

/** A bare TCP peer for tests: writes raw bytes, collects framed packets and the close. */
export interface RawPeer {
  socket: Socket<undefined>
  packets: Packet[]
  closed: Promise<void>
  isClosed(): boolean
  write(bytes: Uint8Array): void
}

export async function rawTcp(port: number): Promise<RawPeer> {
  const framer = new TcpFramer()
  const packets: Packet[] = []
  let done = false
  let onClose!: () => void
  const closed = new Promise<void>((r) => (onClose = r))
  const socket = await Bun.connect({
    hostname: '127.0.0.1',
    port,
    socket: {
      data(_s, chunk) {
        try {
          framer.push(new Uint8Array(chunk), (p) => packets.push({ ...p, ext: p.ext.slice(), payload: p.payload.slice() }))
        } catch {}
      },
      close() {
        done = true
        onClose()
      },
    },
  })
  return { socket, packets, closed, isClosed: () => done, write: (b) => void socket.write(b) }
}
