#!/usr/bin/env bun
// `msgtrans-compile <entry> [--outfile f] [--native lib | --no-native] [--target t]`:
// one executable with the native library embedded. See docs/distribution.md.
import { parseArgs } from 'node:util'
import { basename } from 'node:path'
import { compile } from './compile.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    outfile: { type: 'string', short: 'o' },
    native: { type: 'string' },
    'no-native': { type: 'boolean' },
    target: { type: 'string' },
    'no-minify': { type: 'boolean' },
  },
})
const entry = positionals[0]
if (!entry) {
  console.error('usage: msgtrans-compile <entry.ts> [--outfile dist/app] [--native lib.so | --no-native] [--target bun-linux-x64]')
  process.exit(2)
}
const outfile = values.outfile ?? `dist/${basename(entry).replace(/\.[cm]?[jt]sx?$/, '')}`
try {
  const r = await compile({
    entry,
    outfile,
    native: values['no-native'] ? false : values.native,
    target: values.target,
    minify: !values['no-minify'],
  })
  const mb = (r.bytes / 1024 / 1024).toFixed(1)
  console.log(`${r.outfile}: ${mb} MiB in ${Math.round(r.ms)} ms, native: ${r.native ?? 'none (pure TS)'}`)
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
