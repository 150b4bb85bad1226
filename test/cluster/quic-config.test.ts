import { expect, test } from 'bun:test'
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { clusterPorts } from '../../src/cluster/ports.ts'
import { clusterQuic, QUIC_WORKER } from '../../src/cluster/quic.ts'
import { selfSignedIdentity } from '../../src/transport/quic-cert.ts'

test('the primary generates ONE dev certificate for the QUIC worker and logs its fingerprint', () => {
  const logs: string[] = []
  const q = clusterQuic({ tcp: { port: 0 }, quic: { port: 0 } }, 2, (m) => logs.push(m))!
  expect(q.worker).toBe(QUIC_WORKER)
  const cert = new X509Certificate(q.cert)
  expect(logs).toEqual([expect.stringContaining(`sha256 ${cert.fingerprint256} (served by worker 0)`)])
  // The key handed to the worker is the certificate's own key.
  const pub = createPublicKey(createPrivateKey(q.key)).export({ type: 'spki', format: 'der' })
  expect(pub).toEqual(cert.publicKey.export({ type: 'spki', format: 'der' }))
})

test('a configured cert/key is loaded once and passed on as PEM; nothing is logged', () => {
  const id = selfSignedIdentity('prod')
  const key = id.key.export({ type: 'pkcs8', format: 'pem' }) as string
  const logs: string[] = []
  const q = clusterQuic({ ws: { port: 0 }, quic: { port: 7003, cert: id.certPem, key } }, 4, (m) => logs.push(m))!
  expect(q.cert).toBe(id.certPem)
  expect(new X509Certificate(q.cert).fingerprint256).toBe(id.fingerprint)
  expect(logs).toEqual([])
  expect(() => clusterQuic({ tcp: { port: 0 }, quic: { port: 0, cert: id.certPem } }, 2, () => {})).toThrow(
    'needs both cert and key',
  )
})

test('no quic: null; QUIC alone with several workers is refused with a reason', () => {
  expect(clusterQuic({ tcp: { port: 0 } }, 2, () => {})).toBeNull()
  expect(() => clusterQuic({ quic: { port: 0 } }, 2, () => {})).toThrow('QUIC alone cannot use several workers')
  expect(clusterQuic({ quic: { port: 0 } }, 1, () => {})?.worker).toBe(0)
})

test('port 0 for quic: the primary probes a free UDP port (the worker can bind it)', async () => {
  const ports = await clusterPorts({ quic: { port: 0, hostname: '127.0.0.1' } })
  expect(ports.quic).toBeGreaterThan(0)
  const s = await Bun.udpSocket({ hostname: '127.0.0.1', port: ports.quic! })
  expect(s.port).toBe(ports.quic!)
  s.close()
  expect(await clusterPorts({ quic: { port: 7003 } })).toEqual({ quic: 7003 })
})
