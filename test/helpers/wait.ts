/** T without its falsy members: what waitFor hands back once cond() is truthy. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>

/** Polls `cond` until it is truthy or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await cond()
    if (v) return v as Truthy<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Resolves with the first value `register` delivers, or rejects after `timeoutMs`. */
export function nextEvent<T>(register: (fn: (v: T) => void) => unknown, timeoutMs = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for event')), timeoutMs)
    register((v) => {
      clearTimeout(t)
      resolve(v)
    })
  })
}
