#!/usr/bin/env bun
// `bun create msgtrans my-app` runs this (Bun resolves the npm package create-msgtrans).
// Flags: --msgtrans <spec> (dependency spec, e.g. file:../msgtrans), --no-install.
import { parseArgs } from 'node:util'
import { relative } from 'node:path'
import { generate } from './generate.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { msgtrans: { type: 'string' }, 'no-install': { type: 'boolean' }, name: { type: 'string' } },
})
const target = positionals[0] ?? 'msgtrans-app'
let dir: string
try {
  dir = generate({ dir: target, name: values.name, msgtrans: values.msgtrans })
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
console.log(`created ${dir}`)
if (!values['no-install']) {
  const install = Bun.spawnSync([process.execPath, 'install'], { cwd: dir, stdout: 'inherit', stderr: 'inherit' })
  if (install.exitCode !== 0) {
    console.error('bun install failed; fix the problem and run it again in the project')
    process.exit(1)
  }
}
const cd = relative(process.cwd(), dir) || '.'
console.log(`
next steps:
  cd ${cd}
  bun run dev     # TCP :7001, WebSocket :7002, restarts on change
  bun test        # starts the app on port 0 and talks to it with the typed client
  bun run build   # one executable in dist/, native core embedded
`)
