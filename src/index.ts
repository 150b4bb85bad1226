/**
 * msgtrans for Bun: real-time messaging on the msgtrans v1 wire format.
 *
 * @example
 * import { Msgtrans, connect } from 'msgtrans'
 */
export * from './app/index.ts'
export { connect, Client, ReconnectingClient, type ClientOptions, type ReconnectOptions } from './client/index.ts'
export type * from './client/types.ts'
export {
  Compression,
  PacketType,
  Flags,
  ErrorCode,
  MsgtransError,
  ProtocolError,
  encodePacket,
  decodePacket,
  TcpFramer,
  type Packet,
  type PacketInit,
  type SendResult,
  type SendOptions,
  type Target,
} from './protocol/index.ts'
export { CloseCode } from './transport/index.ts'
export { workerIndex, isClusterWorker, clusterStats } from './cluster/context.ts'
export type { ClusterLinkStats } from './cluster/link.ts'
