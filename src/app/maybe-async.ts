/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>

/**
 * Applies `fn` synchronously when `value` is not a promise, so a fully synchronous
 * pipeline (zod schemas, sync handlers) runs without a microtask per step and keeps
 * per-connection order.
 */
export function then<T, R>(value: MaybePromise<T>, fn: (v: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value)
}
