/** The native core boundary: loader plus the interfaces it implements. */
export * from './types.ts'
export { loadNative } from './loader.ts'
