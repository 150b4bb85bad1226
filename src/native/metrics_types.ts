/** Metrics: atomic counters and log-linear latency histograms (ns), read in one call. */

export const COUNTER_SLOTS = 64
export const HISTOGRAM_SLOTS = 8
/** Linear sub-buckets per power of two: percentiles are within 1/16 of the truth. */
export const HISTOGRAM_SUB_BUCKETS = 16
export const HISTOGRAM_MAX_EXPONENT = 40

export interface LatencySummary {
  count: number
  min: number
  max: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
}

/**
 * One latency histogram.
 *
 * @example
 * const h = metrics.histogram(0)
 * h.record(Number(Bun.nanoseconds() - start))
 * h.summary().p99 // ns
 */
export interface Histogram {
  record(ns: number): void
  summary(): LatencySummary
  reset(): void
}

/**
 * Process-wide counters (index agreed by the caller) and histograms.
 *
 * @example
 * metrics.add(0)                 // e.g. messages in
 * metrics.counters()[0]          // every counter in one call
 */
export interface Metrics {
  add(counter: number, delta?: number): void
  counters(): number[]
  histogram(index: number): Histogram
  close(): void
}

/**
 * Bucket of a value (same layout as zig/src/metrics.zig).
 *
 * @example
 * bucketOf(15) // 15
 * bucketOf(32) // 32 (first sub-bucket of [32, 64))
 */
export function bucketOf(value: number): number {
  const sub = HISTOGRAM_SUB_BUCKETS
  if (value < sub) return Math.max(0, Math.floor(value))
  let e = Math.floor(Math.log2(value))
  while (2 ** e > value) e--
  while (2 ** (e + 1) <= value) e++
  const last = sub + (HISTOGRAM_MAX_EXPONENT - 4 + 1) * sub - 1
  if (e > HISTOGRAM_MAX_EXPONENT) return last
  const s = Math.floor(value / 2 ** (e - 4)) % sub
  return sub + (e - 4) * sub + s
}

/**
 * Largest value in bucket `i`.
 *
 * @example
 * bucketHigh(bucketOf(1000)) // 1023
 */
export function bucketHigh(i: number): number {
  const sub = HISTOGRAM_SUB_BUCKETS
  if (i < sub) return i
  const e = Math.floor((i - sub) / sub) + 4
  const low = (sub + ((i - sub) % sub)) * 2 ** (e - 4)
  return low + 2 ** (e - 4) - 1
}
