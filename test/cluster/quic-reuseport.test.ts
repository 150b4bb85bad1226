import { expect, test } from 'bun:test'
import { join } from 'node:path'

const repro = join(import.meta.dir, '../../docs/quic-repros/6-no-reuseport.ts')

// Cluster mode serves QUIC from one worker because Bun's QuicEndpoint ignores reusePort
// (docs/quic.md, defect 6). This pins that: when Bun honours reusePort, this test fails,
// and the workers can share the QUIC port the way they share TCP (src/cluster/quic.ts).
test('node:quic cannot share a UDP port between Workers; node:dgram can, per 4-tuple', async () => {
  const proc = Bun.spawn([process.execPath, repro], { stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => proc.kill(), 20_000)
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  clearTimeout(timer)
  expect(code).toBe(0)
  expect(out).toMatch(/quic worker 1: bound \d+; worker 2, same port, reusePort: .*Bind failure \(98\)/)
  expect(out).toContain('udp worker 2, same port, reusePort: bound')
  const [, one, two, both] = out.match(/udp clients on worker 1: (\d+), on worker 2: (\d+), on both: (\d+)/)!
  expect(Number(one) + Number(two)).toBe(20)
  expect(Number(both)).toBe(0) // each client's datagrams stay on one socket
}, 30_000)
