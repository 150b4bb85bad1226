import { z } from 'zod'
import type { StandardSchemaV1 } from '../app/index.ts'

/** A JSON Schema object (draft-07 flavoured, as AsyncAPI 3 schemas are). */
export type JsonSchema = Record<string, unknown>

interface StandardJsonSchema {
  input(opts: { target: string }): JsonSchema
  output(opts: { target: string }): JsonSchema
}

/**
 * JSON Schema of a Standard Schema through its `~standard.jsonSchema` extension (zod 4.2+,
 * valibot, arktype) or `z.toJSONSchema` for older zod 4; `{}` (anything) otherwise.
 * `io` picks the side: what a client sends (`input`) or what it receives (`output`).
 *
 * @example
 * toJsonSchema(z.object({ room: z.string() }), 'input') // { type: 'object', ... }
 */
export function toJsonSchema(schema: StandardSchemaV1 | undefined, io: 'input' | 'output'): JsonSchema {
  const std = schema?.['~standard'] as { jsonSchema?: StandardJsonSchema; vendor?: string } | undefined
  try {
    let out: JsonSchema
    if (std?.jsonSchema) out = std.jsonSchema[io]({ target: 'draft-07' })
    else if (std?.vendor === 'zod') out = z.toJSONSchema(schema as z.ZodType, { target: 'draft-7', io })
    else return {}
    const { $schema: _dialect, ...rest } = out
    return rest
  } catch {
    return {} // e.g. transforms or custom types with no JSON form
  }
}
