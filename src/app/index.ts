/** The DSL: Msgtrans app, sessions, pub/sub, route types. */
export { Msgtrans } from './msgtrans.ts'
export type { SessionRef, PrimaryHook } from './types.ts'
export { Session } from './session.ts'
export type { MsgtransConfig } from './config.ts'
export type { PublishResult } from './pubsub.ts'
export type { StandardSchemaV1 } from './schema.ts'
export type * from './types.ts'
export { heartbeat } from './heartbeat.ts'
