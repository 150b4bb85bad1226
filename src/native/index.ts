/** The native core boundary: loader, typed classes and the interfaces they implement. */
export * from './types.ts'
export * from './buffer_types.ts'
export * from './queue_types.ts'
export * from './metrics_types.ts'
export * from './numa_types.ts'
export { NativeError, type NativeErrorCode } from './errors.ts'
export {
  createCore,
  loadNative,
  nativeLibraryPath,
  openNativeLibrary,
  type LoadOptions,
} from './loader.ts'
export { TsBufferPool } from './ts/buffer_pool.ts'
export { TsMetrics } from './ts/metrics.ts'
export { TsNuma } from './ts/numa.ts'
export { TsSessionTable } from './ts/session_table.ts'
export { TsWorkerQueue } from './ts/worker_queue.ts'
export { ZigBufferPool } from './zig/buffer_pool.ts'
export { ZigMetrics } from './zig/metrics.ts'
export { ZigNuma } from './zig/numa.ts'
export { ZigSessionTable } from './zig/session_table.ts'
export { ZigWorkerQueue } from './zig/worker_queue.ts'
