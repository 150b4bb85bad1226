/** The native core boundary: loader, typed classes and the interfaces they implement. */
export * from './types.ts'
export { NativeError, type NativeErrorCode } from './errors.ts'
export {
  createCore,
  loadNative,
  nativeLibraryPath,
  openNativeLibrary,
  type LoadOptions,
} from './loader.ts'
export { TsSessionTable } from './ts/session_table.ts'
export { ZigSessionTable } from './zig/session_table.ts'
