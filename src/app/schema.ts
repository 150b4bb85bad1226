/**
 * Standard Schema v1 (the interface zod, valibot and arktype implement), declared
 * here so any compliant schema works without importing a validation library.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

/** Result of a Standard Schema validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> }

/** One validation problem. */
export interface StandardIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/** The input type of a schema (what a client sends). */
export type InferInput<S> = S extends StandardSchemaV1<infer I, any> ? I : unknown
/** The output type of a schema (what a handler receives). */
export type InferOutput<S> = S extends StandardSchemaV1<any, infer O> ? O : unknown

/** Formats issues as `path: message; ...`. */
export function formatIssues(issues: ReadonlyArray<StandardIssue>): string {
  return issues
    .map((i) => {
      const path = (i.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p)))
      return path.length ? `${path.join('.')}: ${i.message}` : i.message
    })
    .join('; ')
}
