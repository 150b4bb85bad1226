import { Status, type StatusName } from './symbols.ts'

/** Stable error codes of the native core, one per native status. */
export type NativeErrorCode = `E_${Uppercase<Exclude<StatusName, 'ok'>>}`

const names = new Map<number, StatusName>(
  Object.entries(Status).map(([name, code]) => [code, name as StatusName]),
)

/**
 * A failed native-core operation. `code` is stable (e.g. `E_FULL`, `E_STALE`).
 *
 * @example
 * try { table.insert(info) } catch (e) {
 *   if (e instanceof NativeError && e.code === 'E_FULL') shedLoad()
 * }
 */
export class NativeError extends Error {
  readonly code: NativeErrorCode
  readonly status: number
  constructor(status: number, what: string) {
    const name = names.get(status)
    const known = name && name !== 'ok' ? `E_${name.toUpperCase()}` : 'E_INVALID_ARGUMENT'
    const code = known as NativeErrorCode
    super(`${what}: ${code} (status ${status})`)
    this.name = 'NativeError'
    this.code = code
    this.status = status
  }
}

/**
 * Throws a NativeError unless `status` is ok (0).
 *
 * @example
 * check(lib.msgtrans_session_remove(t, h), 'session remove')
 */
export function check(status: number, what: string): void {
  if (status !== Status.ok) throw new NativeError(status, what)
}
