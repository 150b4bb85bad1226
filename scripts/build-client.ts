// bun scripts/build-client.ts [out.js]: writes the browser client bundle (default
// dist/msgtrans.browser.js); the same build the http() plugin serves at /msgtrans.js.
import { buildBrowserClient } from '../src/http/client-bundle.ts'

const out = process.argv[2] ?? 'dist/msgtrans.browser.js'
const code = await buildBrowserClient()
await Bun.write(out, code)
console.log(`${out}: ${(code.length / 1024).toFixed(1)} KiB`)
