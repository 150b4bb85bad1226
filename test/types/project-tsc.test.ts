import { expect, test } from 'bun:test'
import { join } from 'node:path'

const root = join(import.meta.dir, '../..')

// Runs the compiler on the whole project (tsconfig.json at the root: src, test, bench,
// examples), so a type error anywhere fails the suite, not only in test/types
// (types.test.ts covers that subset with its own tsconfig).
test('project: tsc --noEmit -p tsconfig.json is clean', async () => {
  const proc = Bun.spawn([join(root, 'node_modules/.bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], {
    cwd: root,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const timer = setTimeout(() => proc.kill(), 110_000)
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(timer)
  if (code !== 0) console.error(`tsc exited with ${code}:\n${out}${err}`)
  expect(code).toBe(0)
}, 120_000)
