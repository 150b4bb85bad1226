// Binary reading batches of the iot-telemetry example (raw codec, big-endian).
// A batch: u8 magic, u8 version, u16 count, f64 base time (ms since epoch), then
// count × (u8 metric, u16 ms after base, f32 value). 7 bytes a reading, 12 a batch.

export const BATCH_MAGIC = 0xb7
export const BATCH_HEADER_BYTES = 12
export const READING_BYTES = 7
/** Bound on readings in one packet (~7 KiB); devices flush before reaching it. */
export const MAX_BATCH_READINGS = 1024
/** Readings of a batch must fall within this many ms after its base time. */
export const MAX_BATCH_SPAN_MS = 0xffff

/** The metrics a device can report; the wire carries the index. */
export const METRICS = ['temperature', 'humidity', 'battery', 'rssi'] as const
export type MetricName = (typeof METRICS)[number]

/** One sensor reading. */
export interface Reading {
  metric: number
  at: number
  value: number
}

/**
 * @example
 * client.send('telemetry/batch', encodeBatch(readings))
 */
export function encodeBatch(readings: readonly Reading[]): Uint8Array<ArrayBuffer> {
  if (readings.length > MAX_BATCH_READINGS) throw new RangeError(`batch over ${MAX_BATCH_READINGS} readings`)
  const base = readings.reduce((m, r) => Math.min(m, r.at), readings[0]?.at ?? 0)
  const bytes = new Uint8Array(BATCH_HEADER_BYTES + READING_BYTES * readings.length)
  const view = new DataView(bytes.buffer)
  view.setUint8(0, BATCH_MAGIC)
  view.setUint8(1, 1)
  view.setUint16(2, readings.length)
  view.setFloat64(4, base)
  let at = BATCH_HEADER_BYTES
  for (const r of readings) {
    const dt = Math.round(r.at - base)
    if (dt > MAX_BATCH_SPAN_MS) throw new RangeError(`batch spans more than ${MAX_BATCH_SPAN_MS} ms`)
    view.setUint8(at, r.metric)
    view.setUint16(at + 1, dt)
    view.setFloat32(at + 3, r.value)
    at += READING_BYTES
  }
  return bytes
}

/** Decodes and checks a batch; throws RangeError on anything malformed. */
export function decodeBatch(bytes: Uint8Array): Reading[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < BATCH_HEADER_BYTES || view.getUint8(0) !== BATCH_MAGIC || view.getUint8(1) !== 1) {
    throw new RangeError('not a v1 reading batch')
  }
  const count = view.getUint16(2)
  if (count > MAX_BATCH_READINGS) throw new RangeError(`batch over ${MAX_BATCH_READINGS} readings`)
  if (bytes.length !== BATCH_HEADER_BYTES + READING_BYTES * count) throw new RangeError('batch length does not match its count')
  const base = view.getFloat64(4)
  const out: Reading[] = []
  for (let i = 0, at = BATCH_HEADER_BYTES; i < count; i++, at += READING_BYTES) {
    const metric = view.getUint8(at)
    if (metric >= METRICS.length) throw new RangeError(`unknown metric ${metric}`)
    out.push({ metric, at: base + view.getUint16(at + 1), value: view.getFloat32(at + 3) })
  }
  return out
}
