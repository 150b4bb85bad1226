/**
 * QUIC against the real Rust msgtrans 1.0.10 crate (test/interop peer). The crate
 * configures no ALPN on either side (quinn + rustls); TLS for QUIC requires one
 * (RFC 9001 §8.1), and node:quic cannot omit it. These tests pin the exact failure in
 * each direction, and that Rust ↔ Rust works, so a change on either side shows up.
 * Evidence and discussion: docs/quic.md.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect, Msgtrans } from '../../src/index.ts'
import { waitFor } from '../helpers/wait.ts'
import { RustPeer } from './peer.ts'

const SLOW = 30_000

describe('interop quic: our client -> Rust QUIC server', () => {
  let rust: Awaited<ReturnType<typeof RustPeer.server>>
  beforeAll(async () => {
    rust = await RustPeer.server({ tcp: false, ws: false, quic: true })
  }, SLOW)
  afterAll(() => rust?.stop())

  test(
    'the Rust server is up: a Rust client gets through (Rust <-> Rust QUIC works)',
    async () => {
      const client = await RustPeer.client(`quic://127.0.0.1:${rust.ports.quic}`)
      await client.stop()
    },
    SLOW,
  )

  for (const alpn of ['msgtrans', 'h3']) {
    test(
      `ALPN "${alpn}": refused with QUIC transport error 376 (TLS alert no_application_protocol)`,
      async () => {
        const url = `quic://127.0.0.1:${rust.ports.quic}`
        const err = await connect(url, { insecure: true, alpn, connectTimeout: 5_000 }).catch((e) => e)
        expect(err.code).toBe('E_CONNECT')
        expect(err.message).toContain("QUIC transport error 376: peer doesn't support any known protocol")
      },
      SLOW,
    )
  }

  test('offering no ALPN is impossible through node:quic', async () => {
    const err = await connect(`quic://127.0.0.1:${rust.ports.quic}`, { insecure: true, alpn: '' }).catch((e) => e)
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE')
    expect(err.message).toContain('between 1 and 255 characters')
  })
})

describe('interop quic: Rust QUIC client -> our server', () => {
  const logs: string[] = []
  let app: Msgtrans
  beforeAll(async () => {
    app = await new Msgtrans({ quic: { port: 0, hostname: '127.0.0.1' }, log: (m) => logs.push(m) })
      .request('any', { biz: 0, codec: 'raw' }, ({ body }) => body)
      .listen()
  })
  afterAll(() => app.stop())

  test(
    'refused: our server closes with crypto error 0x78 "no application protocol"',
    async () => {
      const err = await RustPeer.client(`quic://127.0.0.1:${app.ports.quic}`).catch((e) => e)
      expect(String(err.message)).toContain('Code::crypto(78)')
      expect(String(err.message)).toContain('no application protocol')
      await waitFor(() => logs.some((l) => l.includes('handshake failed')), 5_000, 'server log')
      const line = logs.find((l) => l.includes('handshake failed'))!
      expect(line).toContain('QUIC transport error 376: no application protocol')
      expect(app.sessions.size).toBe(0)
    },
    SLOW,
  )
})
