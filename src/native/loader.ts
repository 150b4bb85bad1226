import { suffix } from 'bun:ffi'
import { embeddedLibrary, openEmbedded } from './embedded.ts'
import { openRaw, type RawLibrary } from './ffi.ts'
import { platformLibrary, platformPackageName } from './platform.ts'
import type { BufferPool, BufferPoolConfig } from './buffer_types.ts'
import type { WorkerQueue } from './queue_types.ts'
import { TsBufferPool } from './ts/buffer_pool.ts'
import { TsMetrics } from './ts/metrics.ts'
import { TsNuma } from './ts/numa.ts'
import { TsSessionTable } from './ts/session_table.ts'
import { TsWorkerQueue } from './ts/worker_queue.ts'
import type { NativeCore, SessionTableConfig } from './types.ts'
import { ZigBufferPool } from './zig/buffer_pool.ts'
import { ZigMetrics } from './zig/metrics.ts'
import { ZigNuma } from './zig/numa.ts'
import { ZigSessionTable } from './zig/session_table.ts'
import { ZigWorkerQueue } from './zig/worker_queue.ts'

/** Options of the first `loadNative()` call in a thread (later calls reuse the core). */
export interface LoadOptions {
  /** Sizing of the process-wide session table (first attacher in the process wins). */
  sessions?: SessionTableConfig
  /** Tiers of the process-wide buffer pool (first attacher wins). */
  buffers?: BufferPoolConfig
}

/** Version of the TS fallback; equals the Zig library's version. */
export const TS_CORE_VERSION = '0.1.0'
/** Registry id of the process-wide table, pool and metrics inside the library. */
export const SHARED_ID = 0

/**
 * Where the native library is looked for: `MSGTRANS_NATIVE_LIB` when set, else the dev
 * build output zig/zig-out/lib/libmsgtrans.<so|dylib|dll> of this package. (Before the
 * dev build, openNativeLibrary() tries a library embedded by `bun build --compile`; after
 * it, the installed `@msgtrans/native-<platform>` package.)
 *
 * @example
 * nativeLibraryPath() // '/repo/zig/zig-out/lib/libmsgtrans.so'
 */
export function nativeLibraryPath(env: Record<string, string | undefined> = process.env): string {
  const override = env.MSGTRANS_NATIVE_LIB
  if (override) return override
  const name = suffix === 'dll' ? `msgtrans.${suffix}` : `libmsgtrans.${suffix}`
  return Bun.fileURLToPath(new URL(`../../zig/zig-out/lib/${name}`, import.meta.url))
}

let warned = false

// Without node:fs: every module loaded stays in the heap, and each collection walks it.
const isFile = (path: string) => Bun.file(path).size > 0

/**
 * Opens the native library, or returns null (after one warning per thread) when it is
 * missing or disabled with `MSGTRANS_NATIVE=0`. An explicit `MSGTRANS_NATIVE_LIB` that
 * cannot be loaded throws instead: the user asked for that exact file.
 *
 * @example
 * const raw = openNativeLibrary() // null ⇒ use the pure-TS implementations
 */
export function openNativeLibrary(
  env: Record<string, string | undefined> = process.env,
  devPath: string = nativeLibraryPath({}),
): RawLibrary | null {
  if (env.MSGTRANS_NATIVE === '0') return null
  if (env.MSGTRANS_NATIVE_LIB) return openRaw(env.MSGTRANS_NATIVE_LIB)
  const embedded = embeddedLibrary()
  if (embedded) {
    try {
      return openEmbedded(embedded, openRaw)
    } catch (error) {
      warnOnce(`embedded library failed to load: ${(error as Error).message}`)
      return null
    }
  }
  const path = isFile(devPath) ? devPath : (platformLibrary() ?? devPath)
  try {
    if (isFile(path)) return openRaw(path)
    warnOnce(`${path} not found (install ${platformPackageName()} or see docs/distribution.md)`)
  } catch (error) {
    warnOnce(`${path} failed to load: ${(error as Error).message}`)
  }
  return null
}

function warnOnce(reason: string): void {
  if (warned) return
  warned = true
  console.warn(`msgtrans: native core unavailable, using the pure-TS fallback: ${reason}`)
}

let core: NativeCore | undefined

/**
 * Loads the native core once per thread: the Zig library through bun:ffi, or the pure-TS
 * fallback. In every Bun Worker of a process `sessions` is the SAME native table.
 *
 * @example
 * const core = loadNative()
 * const id = core.sessions.insert({ owner: 0, transport: TransportKind.ws, tag: 0 })
 */
export function loadNative(options: LoadOptions = {}): NativeCore {
  core ??= createCore(options, process.env)
  return core
}

/**
 * Builds a fresh core (no caching); loadNative() is what applications call.
 *
 * @example
 * createCore({}, { MSGTRANS_NATIVE: '0' }).kind // 'ts'
 */
export function createCore(
  options: LoadOptions,
  env: Record<string, string | undefined>,
): NativeCore {
  const raw = openNativeLibrary(env)
  return raw ? zigCore(raw, options) : tsCore(options)
}

function tsCore(options: LoadOptions): NativeCore {
  let buffers: BufferPool | undefined
  const queues = new Map<number, WorkerQueue>()
  return {
    kind: 'ts',
    version: TS_CORE_VERSION,
    sessions: new TsSessionTable(options.sessions),
    get buffers() {
      return (buffers ??= new TsBufferPool(options.buffers))
    },
    metrics: new TsMetrics(),
    numa: new TsNuma(),
    queue(id, capacity) {
      let q = queues.get(id)
      if (!q) queues.set(id, (q = new TsWorkerQueue(capacity)))
      return q
    },
    libraryPath: null,
  }
}

function zigCore(raw: RawLibrary, options: LoadOptions): NativeCore {
  const { lib } = raw
  let buffers: BufferPool | undefined
  const queues = new Map<number, WorkerQueue>()
  return {
    kind: 'zig',
    version: String(lib.msgtrans_version()),
    sessions: ZigSessionTable.attach(lib, SHARED_ID, options.sessions),
    get buffers() {
      return (buffers ??= ZigBufferPool.attach(lib, SHARED_ID, options.buffers))
    },
    metrics: ZigMetrics.attach(lib, SHARED_ID),
    numa: new ZigNuma(lib),
    queue(id, capacity) {
      let q = queues.get(id)
      if (!q) queues.set(id, (q = ZigWorkerQueue.attach(lib, id, capacity)))
      return q
    },
    libraryPath: raw.path,
  }
}
