import type { StandardSchemaV1 } from '../app/index.ts'

/** A JSON Schema object (draft-07 flavoured, as AsyncAPI 3 schemas are). */
export type JsonSchema = Record<string, unknown>

interface StandardJsonSchema {
  input(opts: { target: string }): JsonSchema
  output(opts: { target: string }): JsonSchema
}

/**
 * JSON Schema of a Standard Schema through its `~standard.jsonSchema` extension (zod 4,
 * valibot and arktype implement it); `{}` (anything) for schemas that cannot say.
 * `io` picks the side: what a client sends (`input`) or what it receives (`output`).
 *
 * @example
 * toJsonSchema(z.object({ room: z.string() }), 'input') // { type: 'object', ... }
 */
export function toJsonSchema(schema: StandardSchemaV1 | undefined, io: 'input' | 'output'): JsonSchema {
  const std = schema?.['~standard'] as { jsonSchema?: StandardJsonSchema } | undefined
  if (!std?.jsonSchema) return {}
  try {
    const { $schema: _dialect, ...rest } = std.jsonSchema[io]({ target: 'draft-07' })
    return rest
  } catch {
    return {} // e.g. transforms or custom types with no JSON form
  }
}
