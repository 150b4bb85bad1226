import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import zlib from 'node:zlib'
import { connect, Msgtrans } from '../../src/index.ts'
import { compressPayload, encodePacket, HEADER_SIZE, type Limits } from '../../src/protocol/index.ts'
import { randBytes, randInt, randomPacket, rng } from '../helpers/random.ts'
import { rawTcp } from '../helpers/raw-tcp.ts'
import { nextEvent, waitFor } from '../helpers/wait.ts'
import { frame, readCorpusHex, type FrameOutcome } from './harness.ts'

const LIMITS: Limits = { maxPayload: 64 * 1024, maxExtHeader: 1024, maxDecompressed: 256 * 1024 }
const MAX_HELD = HEADER_SIZE + LIMITS.maxExtHeader + LIMITS.maxPayload
const corpusDir = new URL('./corpus/', import.meta.url).pathname
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.hex'))
  .sort()
  .map((f) => ({ name: f, bytes: readCorpusHex(readFileSync(corpusDir + f, 'utf8')) }))

/** Same bytes, three chunkings: whole, random, 1 byte (small inputs): one outcome. */
function agree(bytes: Uint8Array, rand: () => number): FrameOutcome {
  const whole = frame(bytes, LIMITS, () => bytes.length)
  const random = frame(bytes, LIMITS, () => 1 + randInt(rand, 3000))
  expect(random).toEqual({ ...whole, maxBuffered: random.maxBuffered })
  if (bytes.length <= 4096) expect(frame(bytes, LIMITS, () => 1).packets).toEqual(whole.packets)
  expect(random.maxBuffered).toBeLessThanOrEqual(MAX_HELD)
  return whole
}

describe('corpus replay (inputs that once broke something)', () => {
  test(`framer + codec: ${corpus.length} corpus inputs give one outcome in any chunking`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15)
    const rand = rng(1)
    for (const { name, bytes } of corpus) {
      try {
        agree(bytes, rand)
      } catch (err) {
        throw new Error(`corpus ${name}: ${(err as Error).message}`)
      }
    }
  })

  describe('against a live server', () => {
    const app = new Msgtrans({
      tcp: { port: 0, hostname: '127.0.0.1' },
      ws: { port: 0, hostname: '127.0.0.1' },
      limits: LIMITS,
      log: () => {},
    }).request('add', ({ body }) => (body as { a: number; b: number }).a + (body as { a: number; b: number }).b)
    beforeAll(() => app.listen())
    afterAll(() => app.stop())

    test('each corpus input over TCP and as a WebSocket frame costs at most its own connection', async () => {
      const healthy = await connect<any>(`tcp://127.0.0.1:${app.ports.tcp}`)
      for (const { name, bytes } of corpus) {
        const peer = await rawTcp(app.ports.tcp!)
        peer.write(bytes)
        if (frame(bytes, LIMITS, () => bytes.length).leftover === 0) {
          peer.write(encodePacket({ type: 1, id: 99 })) // a probe: answered, or the connection is gone
          await waitFor(() => peer.isClosed() || peer.packets.some((p) => p.id === 99), 3_000, `tcp ${name}`)
        }
        peer.socket.end()
        const ws = new WebSocket(`ws://127.0.0.1:${app.ports.ws}`)
        await nextEvent((fn) => (ws.onopen = fn))
        const closed = nextEvent((fn) => (ws.onclose = fn))
        ws.send(bytes)
        ws.close()
        await closed
        expect(await healthy.request('add', { a: 1, b: 1 })).toBe(2)
      }
      await healthy.close()
      await waitFor(() => app.sessions.size === 0, 3_000, 'all sessions gone')
    }, 20_000)
  })
})

describe('random and mutated packets in random chunkings', () => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const iterations = Number(process.env.FUZZ_ITERS ?? 300)

  test(`seeded fuzz (FUZZ_SEED=${seed} FUZZ_ITERS=${iterations} replays it)`, () => {
    const rand = rng(seed)
    for (let i = 0; i < iterations; i++) {
      const bytes = mutate(rand, streamOf(rand))
      try {
        agree(bytes, rand)
      } catch (err) {
        const head = Buffer.from(bytes.subarray(0, 256)).toString('hex')
        throw new Error(`FUZZ_SEED=${seed} iteration ${i}: ${(err as Error).message}\ninput (first 256 B): ${head}`)
      }
    }
  }, 120_000)
})

function streamOf(rand: () => number): Uint8Array {
  const parts: Uint8Array[] = []
  for (let n = 1 + randInt(rand, 5); n > 0; n--) {
    const p = randomPacket(rand, 2000)
    if (p.compression !== 0 && rand() < 0.5) {
      // Real compressed payloads, sometimes bombs above the decompressed cap.
      const plain = rand() < 0.2 ? new Uint8Array(LIMITS.maxDecompressed + 1 + randInt(rand, 4096)) : p.payload!
      p.payload = p.compression === 2 ? zlib.deflateSync(plain) : compressPayload(plain, 1)
    }
    p.ext = p.ext!.subarray(0, Math.min(p.ext!.length, LIMITS.maxExtHeader))
    parts.push(encodePacket(p))
  }
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0)
  return out
}

function mutate(rand: () => number, bytes: Uint8Array): Uint8Array {
  let b = bytes
  const ops = randInt(rand, 3)
  for (let k = 0; k < ops; k++) {
    const at = randInt(rand, Math.max(0, b.length - 1))
    switch (randInt(rand, 4)) {
      case 0: // flip a byte
        b = b.slice()
        b[at] = randInt(rand, 255)
        break
      case 1: // truncate
        b = b.subarray(0, at)
        break
      case 2: // insert random bytes
        b = new Uint8Array([...b.subarray(0, at), ...randBytes(rand, 1 + randInt(rand, 20)), ...b.subarray(at)])
        break
      case 3: // set a length field of the first header to an extreme
        b = b.slice()
        if (b.length >= HEADER_SIZE) new DataView(b.buffer).setUint32(10, rand() < 0.5 ? 0xffffffff : LIMITS.maxPayload)
        break
      default: // leave as is
    }
  }
  return b
}
