import { expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCode } from '../../src/protocol/index.ts'

const root = join(import.meta.dir, '../..')
const read = (p: string) => readFileSync(join(root, p), 'utf8')

function sourceCodes(dir: string, out = new Set<string>()): Set<string> {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`
    if (e.isDirectory()) sourceCodes(p, out)
    else if (p.endsWith('.ts')) for (const m of read(p).matchAll(/'(E_[A-Z_]+)'/g)) out.add(m[1]!)
  }
  return out
}

test('README error table and ErrorCode agree', () => {
  const readme = read('README.md')
  const section = readme.slice(readme.indexOf('### Error codes'), readme.indexOf('\n## ', readme.indexOf('### Error codes')))
  const listed = new Set([...section.matchAll(/`(E_[A-Z_]+)`/g)].map((m) => m[1]!))
  for (const code of Object.values(ErrorCode)) expect(listed.has(code) ? code : `missing ${code}`).toBe(code)
  const known = sourceCodes('src')
  for (const code of listed) expect(known.has(code) ? code : `unknown ${code}`).toBe(code)
})

test('every test RELIABILITY.md cites exists', () => {
  const doc = read('RELIABILITY.md')
  const cites = [...doc.matchAll(/`(test\/[^`]+\.ts)`(?: › ([^;|—]+))?/g)]
  expect(cites.length).toBeGreaterThan(30)
  for (const [, file, name] of cites) {
    expect(existsSync(join(root, file!)) ? file : `missing file ${file}`).toBe(file)
    if (!name) continue
    const title = name.trim().replace(/ \(2,000 each\)$/, '')
    expect(read(file!).includes(title) ? title : `${file} has no test "${title}"`).toBe(title)
  }
})
