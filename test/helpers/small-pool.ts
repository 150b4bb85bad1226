import type { BufferPoolConfig } from '../../src/native/buffer_types.ts'

/** A small buffer pool for contract tests: tiers that fill up and grow within a test. */
export const smallPool: BufferPoolConfig = {
  tiers: [
    { initial: 64, max: 1000, lowWater: 64 },
    { initial: 8, max: 300, lowWater: 8 },
    { initial: 0, max: 100, lowWater: 0 },
    { initial: 1, max: 4, lowWater: 1 },
  ],
}
