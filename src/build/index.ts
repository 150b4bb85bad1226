/** `msgtrans/build`: single-binary builds with the native library embedded. */
export { compile, defaultLibrary, type CompileOptions, type CompileResult } from './compile.ts'
