import { join } from 'node:path'
import type { BunPlugin } from 'bun'

/** Entry point of the browser client. */
export const BROWSER_ENTRY = join(import.meta.dir, '../client/browser.ts')

/**
 * Replaces `node:zlib` (used by payload compression) with a stub that throws, so the
 * browser bundle carries no 0.5 MB zlib polyfill. Compressed payloads need Bun.
 */
export const browserStubs: BunPlugin = {
  name: 'msgtrans-browser-stubs',
  setup(build) {
    build.onResolve({ filter: /^(node:)?zlib$/ }, () => ({ path: 'zlib', namespace: 'msgtrans-stub' }))
    build.onLoad({ filter: /.*/, namespace: 'msgtrans-stub' }, () => ({
      loader: 'js',
      contents:
        'const no = () => { throw new Error("msgtrans: no compressed payloads in the browser build") }\n' +
        // named exports too: compression.ts loads it with require() on first use
        'export const deflateSync = no, inflateSync = no, zstdDecompressSync = no\n' +
        'export default { deflateSync: no, inflateSync: no, zstdDecompressSync: no }\n',
    }))
  },
}

/**
 * Bundles the browser client (ESM, `target: 'browser'`, minified).
 *
 * @example
 * await Bun.write('dist/msgtrans.js', await buildBrowserClient())
 */
export async function buildBrowserClient(opts: { minify?: boolean } = {}): Promise<string> {
  const out = await Bun.build({
    entrypoints: [BROWSER_ENTRY],
    target: 'browser',
    format: 'esm',
    minify: opts.minify ?? true,
    sourcemap: 'none',
    plugins: [browserStubs],
    // compressPayload's zstd branch; the browser build sends no compressed payloads
    define: { 'Bun.zstdCompressSync': '__msgtransNoCompression' },
  })
  if (!out.success) throw new AggregateError(out.logs, 'msgtrans: browser client bundle failed')
  const [artifact] = out.outputs
  if (!artifact) throw new Error('msgtrans: browser client bundle produced no output')
  return artifact.text()
}

let cached: Promise<string> | undefined

/** The bundle, built once per process. */
export function browserClient(): Promise<string> {
  cached ??= buildBrowserClient().catch((err) => {
    cached = undefined
    throw err
  })
  return cached
}
