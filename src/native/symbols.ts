/**
 * The ONE table of libmsgtrans symbols for `dlopen`. It mirrors every `export fn` in
 * zig/src/lib.zig; test/unit/native_symbols.test.ts fails when the two drift, and the
 * `Status` map mirrors zig/src/status.zig the same way.
 */
import { FFIType, type FFIFunction } from 'bun:ffi'

const { ptr, u32, i32, u64, i64_fast, cstring } = FFIType

/**
 * Every native export with its C signature.
 *
 * @example
 * import { dlopen } from 'bun:ffi'
 * const lib = dlopen('zig/zig-out/lib/libmsgtrans.so', symbols)
 * lib.symbols.msgtrans_version() // '0.1.0'
 */
export const symbols = {
  msgtrans_version: { args: [], returns: cstring },
  msgtrans_status_name: { args: [i32], returns: cstring },
  msgtrans_session_table_create: { args: [u32, u32, u32, ptr], returns: i32 },
  msgtrans_session_table_destroy: { args: [ptr], returns: i32 },
  msgtrans_session_table_attach: { args: [u32, u32, u32, u32, ptr], returns: i32 },
  msgtrans_session_table_detach: { args: [u32], returns: i32 },
  msgtrans_session_insert: { args: [ptr, u32, u32, u32], returns: i64_fast },
  msgtrans_session_lookup: { args: [ptr, u64, ptr], returns: i32 },
  msgtrans_session_owner: { args: [ptr, u64], returns: i32 },
  msgtrans_session_remove: { args: [ptr, u64], returns: i32 },
  msgtrans_session_remove_owner: { args: [ptr, u32], returns: i32 },
  msgtrans_session_list_owner: { args: [ptr, u32, ptr, u32], returns: i32 },
  msgtrans_session_count: { args: [ptr], returns: u32 },
  msgtrans_session_capacity: { args: [ptr], returns: u32 },
  msgtrans_session_record_io: { args: [ptr, u64, u32, u32], returns: i32 },
  msgtrans_session_stats: { args: [ptr, u64, ptr], returns: i32 },
  msgtrans_buffer_pool_create: { args: [ptr, ptr], returns: i32 },
  msgtrans_buffer_pool_destroy: { args: [ptr], returns: i32 },
  msgtrans_buffer_pool_attach: { args: [u32, ptr, ptr], returns: i32 },
  msgtrans_buffer_pool_detach: { args: [u32], returns: i32 },
  msgtrans_buffer_acquire: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_retain: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_release: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_set_holder: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_release_holder: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_holder_refs: { args: [ptr, u32], returns: i32 },
  msgtrans_buffer_slab: { args: [ptr, u32, u32, ptr], returns: i32 },
  msgtrans_buffer_generations: { args: [ptr], returns: ptr },
  msgtrans_buffer_stats: { args: [ptr, u32, ptr], returns: i32 },
  msgtrans_buffer_shrink: { args: [ptr], returns: i32 },
  msgtrans_buffer_tier_size: { args: [u32], returns: i32 },
  msgtrans_queue_create: { args: [u32, ptr], returns: i32 },
  msgtrans_queue_destroy: { args: [ptr], returns: i32 },
  msgtrans_queue_attach: { args: [u32, u32, ptr], returns: i32 },
  msgtrans_queue_detach: { args: [u32], returns: i32 },
  msgtrans_queue_carry_refs: { args: [ptr, ptr], returns: i32 },
  msgtrans_queue_push: { args: [ptr, u64, u32, u32, u32], returns: i32 },
  msgtrans_queue_prepare_sleep: { args: [ptr], returns: i32 },
  msgtrans_queue_pop_batch: { args: [ptr, ptr, u32], returns: i32 },
  msgtrans_queue_stats: { args: [ptr, ptr], returns: i32 },
  msgtrans_numa_topology_json: { args: [ptr, u32, ptr, u32], returns: i32 },
  msgtrans_numa_plan: { args: [ptr, u32, u32, ptr, u32], returns: i32 },
  msgtrans_numa_pin_cpus: { args: [ptr, u32], returns: i32 },
  msgtrans_numa_affinity: { args: [ptr, u32], returns: i32 },
  msgtrans_numa_current_cpu: { args: [], returns: i32 },
  msgtrans_numa_memory_node: { args: [ptr], returns: i32 },
  msgtrans_metrics_create: { args: [ptr], returns: i32 },
  msgtrans_metrics_destroy: { args: [ptr], returns: i32 },
  msgtrans_metrics_attach: { args: [u32, ptr], returns: i32 },
  msgtrans_metrics_detach: { args: [u32], returns: i32 },
  msgtrans_counter_add: { args: [ptr, u32, u64], returns: i32 },
  msgtrans_counters_read: { args: [ptr, ptr], returns: i32 },
  msgtrans_histogram_record: { args: [ptr, u32, u64], returns: i32 },
  msgtrans_histogram_summary: { args: [ptr, u32, ptr], returns: i32 },
  msgtrans_histogram_reset: { args: [ptr, u32], returns: i32 },
} as const satisfies Record<string, FFIFunction>

/** Names of all native symbols. */
export type SymbolName = keyof typeof symbols

/**
 * Status codes returned by native exports (0 ok, negative failures).
 *
 * @example
 * if (code === Status.stale) return null
 */
export const Status = {
  ok: 0,
  not_found: -1,
  stale: -2,
  full: -3,
  invalid_argument: -4,
  out_of_memory: -5,
  kernel_refused: -6,
  empty: -7,
  io: -8,
  unsupported: -9,
} as const
export type StatusName = keyof typeof Status
