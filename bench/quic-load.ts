/**
 * Raw pipelined load for bench/quic-echo.ts: pre-encoded v1 requests, no client core,
 * so the load generator costs far less per message than the server it measures.
 * Each connection keeps `window` requests in flight; every response sends the next.
 */
import { connect as quicConnect } from 'node:quic'
import { encodePacket, TcpFramer, decodePacket, type Packet } from '../src/protocol/index.ts'
import { QuicFramer, quicPrefix } from '../src/protocol/quic-framer.ts'
import { QUIC_ALPN } from '../src/protocol/quic-io.ts'

export type Transport = 'tcp' | 'ws' | 'quic'

/** Outbound side of one raw connection: writes a batch of encoded packets. */
type Send = (packets: Uint8Array[]) => void

/** Drives one connection until `stopAt`; returns the request latencies in ms. */
export async function rawLoad(
  transport: Transport,
  port: number,
  opts: { window: number; size: number; stopAt: number },
): Promise<number[]> {
  const payload = new Uint8Array(opts.size).fill(7)
  const sentAt = new Float64Array(1 << 16)
  const latencies: number[] = []
  let nextId = 1
  let inFlight = 0
  let send!: Send
  let finish!: () => void
  const done = new Promise<void>((r) => (finish = r))
  const make = (n: number) => {
    const out: Uint8Array[] = []
    const now = performance.now()
    for (let i = 0; i < n && now < opts.stopAt; i++) {
      const id = nextId++ >>> 0 || nextId++
      sentAt[id & 0xffff] = now
      out.push(encodePacket({ type: 1, biz: 1, id, payload }))
      inFlight++
    }
    return out
  }
  const onPacket = (p: Packet) => {
    latencies.push(performance.now() - sentAt[p.id & 0xffff]!)
    inFlight--
  }
  const afterBatch = () => {
    const more = make(opts.window - inFlight)
    if (more.length > 0) send(more)
    else if (inFlight === 0) finish()
  }
  const close = await open(transport, port, (s) => (send = s), onPacket, afterBatch)
  send(make(opts.window))
  await done
  close()
  return latencies
}

async function open(
  transport: Transport,
  port: number,
  setSend: (s: Send) => void,
  onPacket: (p: Packet) => void,
  afterBatch: () => void,
): Promise<() => void> {
  if (transport === 'tcp') {
    const framer = new TcpFramer()
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: { data: (_s, chunk) => (framer.push(chunk, onPacket), afterBatch()) },
    })
    socket.setNoDelay(true)
    setSend((ps) => socket.write(Buffer.concat(ps)))
    return () => socket.end()
  }
  if (transport === 'ws') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`)
    ws.binaryType = 'arraybuffer'
    ws.onmessage = (e) => (onPacket(decodePacket(new Uint8Array(e.data as ArrayBuffer))), afterBatch())
    await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)))
    setSend((ps) => ps.forEach((p) => ws.send(p)))
    return () => ws.close()
  }
  const session = await quicConnect(`127.0.0.1:${port}`, {
    alpn: QUIC_ALPN,
    servername: 'localhost',
    verifyPeer: 'manual',
  } as never)
  session.closed.catch(() => {})
  await session.opened
  const stream = (await session.createBidirectionalStream()) as any
  stream.closed.catch(() => {})
  const framer = new QuicFramer()
  void (async () => {
    try {
      for await (const batch of stream) {
        for (const c of batch) framer.push(c, onPacket)
        afterBatch()
      }
    } catch {}
  })()
  setSend((ps) => {
    const chunks = ps.flatMap((p) => [quicPrefix(p.length), p])
    if (!stream.writer.writevSync(chunks)) throw new Error('quic load: stream refused a write (window too big)')
  })
  return () => session.close().catch(() => {})
}
