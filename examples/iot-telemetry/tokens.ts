import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Device tokens derived from one server secret: token = HMAC-SHA256(secret, deviceId).
 * The server keeps no per-device table, a token works for its device only, and rotating
 * the secret revokes every token. Compared in constant time.
 *
 * @example
 * const tokens = new DeviceTokens(process.env.IOT_SECRET!)
 * tokens.issue('sensor-17') // provisioned onto the device
 * tokens.verify('sensor-17', token) // true
 */
export class DeviceTokens {
  constructor(private readonly secret: string) {
    if (secret.length < 8) throw new RangeError('device token secret must be at least 8 characters')
  }

  issue(deviceId: string): string {
    return createHmac('sha256', this.secret).update(deviceId).digest('hex')
  }

  verify(deviceId: string, token: string): boolean {
    const expected = Buffer.from(this.issue(deviceId))
    const given = Buffer.from(token)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}
