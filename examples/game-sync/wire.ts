// Binary payloads of the game-sync example (raw codec, big-endian like the v1 header).
// Shared by the server and clients so both sides agree on every byte.

/** Bytes of one input packet: u32 seq, i8 dx, i8 dy, u8 buttons, u8 reserved. */
export const INPUT_BYTES = 8
/** First byte of a delta, so it never parses as JSON by accident. */
export const DELTA_MAGIC = 0xd7
/** Delta header: u8 magic, u8 version, u32 tick, u16 changed, u16 removed. */
export const DELTA_HEADER_BYTES = 10
/** One changed entity: u16 id, u32 last input seq applied, f32 x, f32 y. */
export const ENTITY_BYTES = 14

/** A player's input for one frame; dx and dy are -127..127 (a stick), buttons a bitmask. */
export interface Input {
  seq: number
  dx: number
  dy: number
  buttons: number
}

/** One entity's state in a delta; `ack` is the last input seq the server applied. */
export interface EntityState {
  id: number
  ack: number
  x: number
  y: number
}

/** What changed in one tick of a match. */
export interface Delta {
  tick: number
  changed: EntityState[]
  removed: number[]
}

/**
 * @example
 * client.send('game/input', encodeInput({ seq: 1, dx: 127, dy: 0, buttons: 0 }))
 */
export function encodeInput(input: Input): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(INPUT_BYTES)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, input.seq >>> 0)
  view.setInt8(4, clampStick(input.dx))
  view.setInt8(5, clampStick(input.dy))
  view.setUint8(6, input.buttons & 0xff)
  return bytes
}

export function decodeInput(bytes: Uint8Array): Input {
  if (bytes.length !== INPUT_BYTES) throw new RangeError(`input must be ${INPUT_BYTES} bytes, got ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { seq: view.getUint32(0), dx: view.getInt8(4), dy: view.getInt8(5), buttons: view.getUint8(6) }
}

/** Encodes a delta into one buffer: 10 + 14·changed + 2·removed bytes. */
export function encodeDelta(delta: Delta): Uint8Array<ArrayBuffer> {
  const size = DELTA_HEADER_BYTES + ENTITY_BYTES * delta.changed.length + 2 * delta.removed.length
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  view.setUint8(0, DELTA_MAGIC)
  view.setUint8(1, 1)
  view.setUint32(2, delta.tick >>> 0)
  view.setUint16(6, delta.changed.length)
  view.setUint16(8, delta.removed.length)
  let at = DELTA_HEADER_BYTES
  for (const e of delta.changed) {
    view.setUint16(at, e.id)
    view.setUint32(at + 2, e.ack >>> 0)
    view.setFloat32(at + 6, e.x)
    view.setFloat32(at + 10, e.y)
    at += ENTITY_BYTES
  }
  for (const id of delta.removed) {
    view.setUint16(at, id)
    at += 2
  }
  return bytes
}

/**
 * @example
 * client.on('game/delta', (_, packet) => apply(decodeDelta(packet.payload)))
 */
export function decodeDelta(bytes: Uint8Array): Delta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < DELTA_HEADER_BYTES || view.getUint8(0) !== DELTA_MAGIC) throw new RangeError('not a delta')
  const changedCount = view.getUint16(6)
  const removedCount = view.getUint16(8)
  if (bytes.length !== DELTA_HEADER_BYTES + ENTITY_BYTES * changedCount + 2 * removedCount) {
    throw new RangeError('delta length does not match its counts')
  }
  const changed: EntityState[] = []
  let at = DELTA_HEADER_BYTES
  for (let i = 0; i < changedCount; i++, at += ENTITY_BYTES) {
    changed.push({
      id: view.getUint16(at),
      ack: view.getUint32(at + 2),
      x: view.getFloat32(at + 6),
      y: view.getFloat32(at + 10),
    })
  }
  const removed: number[] = []
  for (let i = 0; i < removedCount; i++, at += 2) removed.push(view.getUint16(at))
  return { tick: view.getUint32(2), changed, removed }
}

function clampStick(v: number): number {
  return Math.max(-127, Math.min(127, Math.trunc(v)))
}
