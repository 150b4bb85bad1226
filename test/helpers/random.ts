import type { PacketInit } from '../../src/protocol/index.ts'

/** Small seeded PRNG (mulberry32) so failures replay from the printed seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randInt(rand: () => number, max: number): number {
  return Math.floor(rand() * (max + 1))
}

export function randBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = randInt(rand, 255)
  return b
}

/** A valid packet with random fields (fragmented bit clear). */
export function randomPacket(rand: () => number, maxPayload = 3000): PacketInit {
  const big = rand() < 0.05
  return {
    type: randInt(rand, 2),
    biz: randInt(rand, 255),
    id: randInt(rand, 0xffffffff),
    flags: randInt(rand, 0xffff) & ~1,
    compression: randInt(rand, 2),
    ext: randBytes(rand, randInt(rand, 64)),
    payload: randBytes(rand, big ? randInt(rand, 70_000) : randInt(rand, maxPayload)),
  }
}
