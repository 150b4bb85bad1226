/**
 * node:quic is experimental and prints an ExperimentalWarning when imported, so the QUIC
 * transport is loaded only by apps that configure `quic` (listen() awaits this first).
 */
type QuicModule = typeof import('./quic.ts')
let loaded: QuicModule | undefined

/** Imports the QUIC transport once. */
export async function loadQuicTransport(): Promise<QuicModule> {
  return (loaded ??= await import('./quic.ts'))
}

/** The QUIC transport, which must have been loaded with loadQuicTransport(). */
export function quicTransport(): QuicModule {
  if (!loaded) throw new Error('msgtrans: QUIC transport not loaded (await loadQuicTransport() first)')
  return loaded
}
