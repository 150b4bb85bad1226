import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A TLS identity for the QUIC listener. */
export interface QuicIdentity {
  key: KeyObject
  /** Certificate chain, PEM. */
  certPem: string
  /** SHA-256 fingerprint of the leaf, `AA:BB:...` (what `connect(..., { fingerprint })` takes). */
  fingerprint: string
  /** True when generated at startup (dev mode). */
  selfSigned: boolean
}

/** Validity of a generated dev certificate. */
const DEV_CERT_DAYS = 30

/**
 * Loads a PEM cert/key pair from paths (or PEM text), or generates a self-signed
 * ECDSA P-256 certificate for `localhost` / 127.0.0.1 / ::1 when neither is given.
 *
 * @example
 * const id = quicIdentity({})            // dev: fresh self-signed cert
 * console.log(id.fingerprint)
 */
export function quicIdentity(opts: { cert?: string; key?: string }): QuicIdentity {
  if (opts.cert === undefined && opts.key === undefined) return selfSignedIdentity()
  if (opts.cert === undefined || opts.key === undefined) {
    throw new Error('msgtrans: quic needs both cert and key (or neither for a dev certificate)')
  }
  const certPem = pemOrFile(opts.cert)
  const key = createPrivateKey(pemOrFile(opts.key))
  return { key, certPem, fingerprint: new X509Certificate(certPem).fingerprint256, selfSigned: false }
}

/** Generates a self-signed ECDSA P-256 / SHA-256 certificate, in process (no openssl CLI). */
export function selfSignedIdentity(commonName = 'msgtrans dev'): QuicIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const now = Date.now()
  const name = seq(set(seq(oid(OID_CN), tlv(0x0c, utf8(commonName)))))
  const tbs = seq(
    tlv(0xa0, int(Uint8Array.of(2))), // v3
    int(certSerial(randomBytes(16))),
    ECDSA_SHA256,
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + DEV_CERT_DAYS * 86_400_000))),
    name,
    new Uint8Array(spki),
    tlv(0xa3, seq(subjectAltName())),
  )
  const sig = sign('sha256', tbs, privateKey) // DER ECDSA-Sig-Value
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, concat(Uint8Array.of(0), sig)))
  const certPem = toPem(der)
  return { key: privateKey, certPem, fingerprint: new X509Certificate(certPem).fingerprint256, selfSigned: true }
}

/**
 * A certificate serial from random bytes, as DER INTEGER content: positive (top bit
 * clear) and minimal (first byte non-zero). A leading 0x00 before a byte < 0x80 is a
 * non-minimal encoding that BoringSSL rejects (INVALID_INTEGER), 1 start in 256.
 *
 * @example
 * certSerial(Uint8Array.of(0x00, 0x12)) // Uint8Array [0x40, 0x12]
 */
export function certSerial(random: Uint8Array): Uint8Array {
  const out = random.slice()
  out[0] = (out[0]! & 0x7f) | 0x40
  return out
}

function pemOrFile(v: string): string {
  return v.includes('-----BEGIN') ? v : readFileSync(v, 'utf8')
}

function subjectAltName(): Uint8Array {
  const names = seq(
    tlv(0x82, utf8('localhost')),
    tlv(0x87, Uint8Array.of(127, 0, 0, 1)),
    tlv(0x87, Uint8Array.of(...new Array(15).fill(0), 1)),
  )
  return seq(oid(OID_SAN), tlv(0x04, names))
}

const OID_CN = [2, 5, 4, 3]
const OID_SAN = [2, 5, 29, 17]

// DER helpers: just enough ASN.1 for one certificate.
function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  if (n > 0xffff) throw new RangeError('DER value too long')
  return concat(Uint8Array.of(tag, ...len), body)
}
function seq(...parts: Uint8Array[]): Uint8Array {
  return tlv(0x30, concat(...parts))
}
function set(...parts: Uint8Array[]): Uint8Array {
  return tlv(0x31, concat(...parts))
}
function int(bytes: Uint8Array): Uint8Array {
  return tlv(0x02, bytes)
}
function oid(arcs: number[]): Uint8Array {
  const out = [arcs[0]! * 40 + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const b = [arc & 0x7f]
    for (let v = arc >>> 7; v > 0; v >>>= 7) b.unshift((v & 0x7f) | 0x80)
    out.push(...b)
  }
  return tlv(0x06, Uint8Array.from(out))
}
function utcTime(d: Date): Uint8Array {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'
  return tlv(0x17, utf8(s))
}
function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`
}

const ECDSA_SHA256 = seq(oid([1, 2, 840, 10045, 4, 3, 2]))
