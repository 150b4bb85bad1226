import { expect, test } from 'bun:test'
import { join } from 'node:path'

const root = join(import.meta.dir, '../..')

// Runs the compiler on test/types: fails if an @ts-expect-error line compiles (an unknown
// route or a wrong body was accepted) or if a line that should compile does not.
test('typed client: tsc --noEmit on test/types', async () => {
  const proc = Bun.spawn([join(root, 'node_modules/.bin/tsc'), '--noEmit', '-p', 'test/types/tsconfig.json'], {
    cwd: root,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill(), 50_000)
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  expect(out + err).toBe('')
  expect(code).toBe(0)
}, 60_000)
