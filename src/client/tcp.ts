import { ProtocolError, TcpFramer, WriteQueue, type Limits, type SendResult } from '../protocol/index.ts'
import { retryRefused, type ClientLink, type LinkEvents, type LinkOptions } from './link.ts'

/**
 * Opens a v1 link over TCP (Bun only). The stream is framed by the packet header.
 *
 * @example
 * const link = await openTcpLink('127.0.0.1', 7001, limits, events)
 */
export async function openTcpLink(
  host: string,
  port: number,
  limits: Limits,
  events: LinkEvents,
  opts: LinkOptions = {},
): Promise<ClientLink> {
  const framer = new TcpFramer(limits)
  let queue!: WriteQueue
  let ended = false
  let closeCode = 1000
  let closeReason = ''
  const socket = await retryRefused(
    () =>
      Bun.connect({
        hostname: host,
        port,
        socket: {
          data(_s, chunk) {
            try {
              framer.push(chunk, events.packet)
            } catch (err) {
              if (!(err instanceof ProtocolError)) throw err
              closeCode = 1002
              closeReason = err.message
              _s.terminate()
            }
          },
          drain() {
            if (queue.flush() && ended) socket.end()
          },
          close() {
            queue?.clear()
            events.close(closeCode, closeReason)
          },
          error(_s, err) {
            closeCode = 1006
            closeReason = err.message
          },
        },
      }),
    opts.connectTimeout ?? 5_000,
  )
  socket.setNoDelay(true)
  socket.setKeepAlive(true, 60_000)
  queue = new WriteQueue(socket, opts.maxQueuedBytes ?? 32 * 1024 * 1024)
  return {
    write(packet: Uint8Array): SendResult {
      if (ended) return 'dropped'
      return queue.push(packet)
    },
    close(code = 1000, reason = '') {
      if (ended) return
      ended = true
      closeCode = code
      closeReason = reason
      if (queue.bufferedAmount === 0) socket.end()
    },
    get bufferedAmount() {
      return queue.bufferedAmount
    },
  }
}
