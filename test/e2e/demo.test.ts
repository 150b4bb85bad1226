import { expect, test } from 'bun:test'

// The README's main command runs this demo; it must keep working end to end.
test('chat demo: two clients over TCP and WebSocket, join, send, receive, request', async () => {
  const proc = Bun.spawn([process.execPath, 'examples/chat/demo.ts'], { stdout: 'pipe', stderr: 'pipe' })
  const timer = setTimeout(() => proc.kill(), 20_000)
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  clearTimeout(timer)
  expect(code).toBe(0)
  expect(out).toContain('alice joined #lobby')
  expect(out).toContain('bob received from alice: "hello from alice over TCP"')
  expect(out).toContain('history request answered: 1 line(s)')
  expect(out).toContain('bad request rejected: E_VALIDATION')
  expect(out).toMatch(/round trip over TCP: p50 [\d.]+ ms/)
  expect(out).toContain('demo done')
})
