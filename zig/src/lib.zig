//! The only file that exports symbols from libmsgtrans. Every export returns a status code
//! (status.zig, through its one error mapping) or a plain value; src/native/symbols.ts
//! mirrors this list (a Bun test compares them). `*_attach` instances live in process-wide
//! registries, so every Bun Worker of the process reaches the same one by id.
const std = @import("std");
const status = @import("status.zig");
const st = @import("session_table.zig");
const bp = @import("buffer_pool.zig");
const numa = @import("numa.zig");
const queue = @import("queue.zig");
const metrics = @import("metrics.zig");
const registry = @import("registry.zig");
const support = @import("export_support.zig");

const SessionTable = st.SessionTable;
const BufferPool = bp.BufferPool;
const WorkerQueue = queue.WorkerQueue;
const Metrics = metrics.Metrics;

pub const version_string: [:0]const u8 = "0.1.0";

var tables: registry.Registry(SessionTable, st.Config, 16) = .{};
var pools: registry.Registry(BufferPool, bp.Config, 16) = .{};
var queues: registry.Registry(WorkerQueue, u32, 256) = .{};
var metric_sets: registry.Registry(Metrics, void, 16) = .{};

const invalid: i32 = @intFromEnum(status.Status.invalid_argument);

const PoolConfig = support.PoolConfig;
const make = support.make;
const free = support.free;
const attach = support.attach;
const value = support.value;
// ---- library ----
export fn msgtrans_version() [*:0]const u8 {
    return version_string.ptr;
}

export fn msgtrans_status_name(code: i32) [*:0]const u8 {
    return status.name(code).ptr;
}

// ---- session table (handle layout: session_table.zig) ----
fn tableConfig(initial: u32, max: u32, growth: u32) st.Config {
    return .{ .initial_capacity = initial, .max_capacity = max, .growth_percent = growth };
}

export fn msgtrans_session_table_create(initial: u32, max: u32, growth: u32, out: ?*usize) i32 {
    return make(SessionTable, tableConfig(initial, max, growth), out);
}

export fn msgtrans_session_table_destroy(table: ?*SessionTable) i32 {
    return free(SessionTable, table);
}

/// Process-wide table `id` (0..15), shared by every thread; first caller's config wins.
export fn msgtrans_session_table_attach(
    id: u32,
    initial: u32,
    max: u32,
    growth: u32,
    out: ?*usize,
) i32 {
    return attach(&tables, id, tableConfig(initial, max, growth), out);
}

export fn msgtrans_session_table_detach(id: u32) i32 {
    return status.code(tables.detach(id));
}

/// Returns the new handle (> 0) or a negative status.
export fn msgtrans_session_insert(table: ?*SessionTable, owner: u32, transport: u32, tag: u32) i64 {
    const t = table orelse return invalid;
    const info: st.Info = .{ .owner = owner, .transport = transport, .tag = tag };
    const handle = t.insert(info) catch |err| return status.code(err);
    return @intCast(handle);
}

export fn msgtrans_session_lookup(table: ?*SessionTable, handle: u64, out: ?*st.Info) i32 {
    const t = table orelse return invalid;
    const dest = out orelse return invalid;
    dest.* = t.lookup(handle) catch |err| return status.code(err);
    return 0;
}

/// Owner worker of a live session, or a negative status: the cheapest routing lookup.
export fn msgtrans_session_owner(table: ?*SessionTable, handle: u64) i32 {
    const t = table orelse return invalid;
    const info = t.lookup(handle) catch |err| return status.code(err);
    return @intCast(info.owner & 0x7fff_ffff);
}

export fn msgtrans_session_remove(table: ?*SessionTable, handle: u64) i32 {
    const t = table orelse return invalid;
    return status.code(t.remove(handle));
}

/// Removes every live session whose owner is `owner` (a worker that died); returns how
/// many. Lock-free, safe beside other threads' inserts, lookups and removes.
export fn msgtrans_session_remove_owner(table: ?*SessionTable, owner: u32) i32 {
    const t = table orelse return invalid;
    return @intCast(t.removeOwner(owner));
}

/// Writes up to `max` handles of `owner`'s live sessions; returns how many it has.
export fn msgtrans_session_list_owner(
    table: ?*SessionTable,
    owner: u32,
    out: ?[*]u64,
    max: u32,
) i32 {
    const t = table orelse return invalid;
    if (out == null and max > 0) return invalid;
    const dest: []u64 = if (out) |o| o[0..max] else &.{};
    return @intCast(t.listOwner(owner, dest));
}

export fn msgtrans_session_count(table: ?*SessionTable) u32 {
    const t = table orelse return 0;
    return t.count();
}

export fn msgtrans_session_capacity(table: ?*SessionTable) u32 {
    const t = table orelse return 0;
    return t.capacity();
}

/// `inbound` 1 counts a received message, 0 a sent one.
export fn msgtrans_session_record_io(
    table: ?*SessionTable,
    handle: u64,
    inbound: u32,
    bytes: u32,
) i32 {
    const t = table orelse return invalid;
    return status.code(t.recordIo(handle, inbound != 0, bytes));
}

export fn msgtrans_session_stats(table: ?*SessionTable, handle: u64, out: ?*st.Stats) i32 {
    const t = table orelse return invalid;
    const dest = out orelse return invalid;
    dest.* = t.stats(handle) catch |err| return status.code(err);
    return 0;
}

// ---- buffer pool (ref layout: buffer_pool.zig) ----
fn poolConfig(config: ?*const PoolConfig) ?bp.Config {
    const c = config orelse return null;
    return .{ .tiers = c.tiers, .node = c.node, .populate = c.populate != 0 };
}

export fn msgtrans_buffer_pool_create(config: ?*const PoolConfig, out: ?*usize) i32 {
    return make(BufferPool, poolConfig(config) orelse return invalid, out);
}

export fn msgtrans_buffer_pool_destroy(pool: ?*BufferPool) i32 {
    return free(BufferPool, pool);
}

export fn msgtrans_buffer_pool_attach(id: u32, config: ?*const PoolConfig, out: ?*usize) i32 {
    return attach(&pools, id, poolConfig(config) orelse return invalid, out);
}

export fn msgtrans_buffer_pool_detach(id: u32) i32 {
    return status.code(pools.detach(id));
}

/// Buffer ref (>= 0) with refcount 1, or a negative status (Full: tier at max).
export fn msgtrans_buffer_acquire(pool: ?*BufferPool, size: u32) i32 {
    const p = pool orelse return invalid;
    const ref = p.acquire(size) catch |err| return status.code(err);
    return @intCast(ref);
}

/// New refcount, or a negative status (Stale: the buffer is free).
export fn msgtrans_buffer_retain(pool: ?*BufferPool, ref: u32) i32 {
    const p = pool orelse return invalid;
    return value(p.retain(ref));
}

/// Remaining refcount (0: back in the pool), or a negative status (Stale: double free).
export fn msgtrans_buffer_release(pool: ?*BufferPool, ref: u32) i32 {
    const p = pool orelse return invalid;
    return value(p.release(ref));
}

/// The calling thread's references in `pool` count for holder `id` (0..255) from now
/// on; `id` 0xffffffff stops that. One pool per thread is accounted.
export fn msgtrans_buffer_set_holder(pool: ?*BufferPool, id: u32) i32 {
    const p = pool orelse return invalid;
    return status.code(p.setHolder(id));
}

/// Drops every reference holder `id` still has (after its thread stopped); returns how
/// many references were dropped.
export fn msgtrans_buffer_release_holder(pool: ?*BufferPool, id: u32) i32 {
    const p = pool orelse return invalid;
    const dropped = p.releaseHolder(id) catch |err| return status.code(err);
    return @intCast(@min(dropped, std.math.maxInt(i32)));
}

/// References holder `id` holds now.
export fn msgtrans_buffer_holder_refs(pool: ?*BufferPool, id: u32) i32 {
    const p = pool orelse return invalid;
    const held = p.heldBy(id) catch |err| return status.code(err);
    return @intCast(@min(held, std.math.maxInt(i32)));
}

/// Writes [base address, byte length] of a mapped slab.
export fn msgtrans_buffer_slab(pool: ?*BufferPool, tier: u32, slab: u32, out: ?*[2]u64) i32 {
    const p = pool orelse return invalid;
    const dest = out orelse return invalid;
    const info = p.slabInfo(tier, slab) catch |err| return status.code(err);
    dest.* = .{ info.base, info.len };
    return 0;
}

/// Address of the u32[tier_count][max_slabs] slab generation table (lives with the pool).
export fn msgtrans_buffer_generations(pool: ?*BufferPool) usize {
    const p = pool orelse return 0;
    return @intFromPtr(&p.generations);
}

export fn msgtrans_buffer_stats(pool: ?*BufferPool, tier: u32, out: ?*bp.TierStats) i32 {
    const p = pool orelse return invalid;
    const dest = out orelse return invalid;
    dest.* = p.stats(tier) catch |err| return status.code(err);
    return 0;
}

/// Unmaps idle slabs above each tier's low-water mark; returns how many.
export fn msgtrans_buffer_shrink(pool: ?*BufferPool) i32 {
    const p = pool orelse return invalid;
    return @intCast(p.shrink());
}

export fn msgtrans_buffer_tier_size(tier: u32) i32 {
    if (tier >= bp.tier_count) return invalid;
    return @intCast(bp.tier_sizes[tier]);
}

// ---- worker queues ----
export fn msgtrans_queue_create(capacity: u32, out: ?*usize) i32 {
    return make(WorkerQueue, capacity, out);
}

export fn msgtrans_queue_destroy(q: ?*WorkerQueue) i32 {
    return free(WorkerQueue, q);
}

/// Queue of worker `id` (0..255), shared process-wide; first caller's capacity wins.
export fn msgtrans_queue_attach(id: u32, capacity: u32, out: ?*usize) i32 {
    return attach(&queues, id, capacity, out);
}

export fn msgtrans_queue_detach(id: u32) i32 {
    return status.code(queues.detach(id));
}

/// From now on the queue's `buffer` fields are refs of `pool`, handed over from the
/// pusher's holder ledger to the popper's. InvalidArgument if bound to another pool. The
/// pool must outlive the queue (the process-wide pool 0 and queues do).
export fn msgtrans_queue_carry_refs(q: ?*WorkerQueue, pool: ?*BufferPool) i32 {
    const wq = q orelse return invalid;
    return status.code(wq.carryRefs(pool orelse return invalid));
}

/// 1: pushed and the owner was idle (wake it); 0: pushed; negative: Full etc.
export fn msgtrans_queue_push(
    q: ?*WorkerQueue,
    handle: u64,
    buffer: u32,
    len: u32,
    flags: u32,
) i32 {
    const wq = q orelse return invalid;
    const msg: queue.Message = .{ .handle = handle, .buffer = buffer, .len = len, .flags = flags };
    const edge = wq.push(msg) catch |err| return status.code(err);
    return @intFromBool(edge);
}

/// Owner only, after a pop came back empty: 1 = may sleep until a sender wakes it,
/// 0 = a message is in flight, keep draining.
export fn msgtrans_queue_prepare_sleep(q: ?*WorkerQueue) i32 {
    const wq = q orelse return invalid;
    return @intFromBool(wq.prepareSleep());
}

/// Pops up to `max` messages into `out`; returns how many.
export fn msgtrans_queue_pop_batch(q: ?*WorkerQueue, out: ?[*]queue.Message, max: u32) i32 {
    const wq = q orelse return invalid;
    const dest = out orelse return invalid;
    return value(wq.popBatch(dest[0..max]));
}

export fn msgtrans_queue_stats(q: ?*WorkerQueue, out: ?*queue.Stats) i32 {
    const wq = q orelse return invalid;
    const dest = out orelse return invalid;
    dest.* = wq.stats();
    return 0;
}

// ---- NUMA ----
fn topology(root: ?[*]const u8, root_len: u32) status.Error!numa.Topology {
    const path = if (root) |r| r[0..root_len] else "/sys";
    return numa.load(if (path.len == 0) "/sys" else path);
}

/// Writes the topology under sysfs `root` (empty: /sys) as JSON; returns its length.
export fn msgtrans_numa_topology_json(
    root: ?[*]const u8,
    root_len: u32,
    out: ?[*]u8,
    cap: u32,
) i32 {
    const dest = out orelse return invalid;
    const topo = topology(root, root_len) catch |err| return status.code(err);
    var w: std.Io.Writer = .fixed(dest[0..cap]);
    numa.writeJson(&topo, &w) catch return status.code(error.Full);
    return @intCast(w.buffered().len);
}

/// `per_node` workers per node with a CPU each; returns how many placements.
export fn msgtrans_numa_plan(
    root: ?[*]const u8,
    root_len: u32,
    per_node: u32,
    out: ?[*]numa.Placement,
    max: u32,
) i32 {
    const dest = out orelse return invalid;
    const topo = topology(root, root_len) catch |err| return status.code(err);
    return value(numa.plan(&topo, per_node, dest[0..max]));
}

fn cpuSet(mask: [*]const u64, words: u32) status.Error!numa.CpuSet {
    if (words == 0 or words > numa.max_cpus / 64) return error.InvalidArgument;
    var set = numa.CpuSet.initEmpty();
    for (mask[0..words], 0..) |word, w| {
        var bits = word;
        while (bits != 0) : (bits &= bits - 1) set.set(w * 64 + @ctz(bits));
    }
    return set;
}

/// Pins the calling thread to the CPUs in the bit mask, verified after the syscall.
export fn msgtrans_numa_pin_cpus(mask: ?[*]const u64, words: u32) i32 {
    const m = mask orelse return invalid;
    return status.code(numa.pinThread(cpuSet(m, words) catch |err| return status.code(err)));
}

/// Writes the calling thread's CPU mask; returns how many CPUs it may use.
export fn msgtrans_numa_affinity(out: ?[*]u64, words: u32) i32 {
    const dest = out orelse return invalid;
    if (words == 0 or words > numa.max_cpus / 64) return invalid;
    const set = numa.currentAffinity() catch |err| return status.code(err);
    for (dest[0..words], 0..) |*word, w| word.* = set.masks[w];
    return @intCast(set.count());
}

export fn msgtrans_numa_current_cpu() i32 {
    return value(numa.currentCpu());
}

/// Node of the (touched) page at `addr`.
export fn msgtrans_numa_memory_node(addr: usize) i32 {
    return value(numa.memoryNode(addr));
}

// ---- metrics ----
export fn msgtrans_metrics_create(out: ?*usize) i32 {
    return make(Metrics, {}, out);
}

export fn msgtrans_metrics_destroy(m: ?*Metrics) i32 {
    return free(Metrics, m);
}

export fn msgtrans_metrics_attach(id: u32, out: ?*usize) i32 {
    return attach(&metric_sets, id, {}, out);
}

export fn msgtrans_metrics_detach(id: u32) i32 {
    return status.code(metric_sets.detach(id));
}

export fn msgtrans_counter_add(m: ?*Metrics, index: u32, delta: u64) i32 {
    const set = m orelse return invalid;
    return status.code(set.add(index, delta));
}

export fn msgtrans_counters_read(m: ?*Metrics, out: ?*[metrics.counter_slots]u64) i32 {
    const set = m orelse return invalid;
    set.readCounters(out orelse return invalid);
    return 0;
}

export fn msgtrans_histogram_record(m: ?*Metrics, which: u32, ns: u64) i32 {
    const set = m orelse return invalid;
    const h = set.histogram(which) catch |err| return status.code(err);
    h.record(ns);
    return 0;
}

/// count, min, max, mean, p50, p90, p99, p99.9 in one call.
export fn msgtrans_histogram_summary(m: ?*Metrics, which: u32, out: ?*metrics.Summary) i32 {
    const set = m orelse return invalid;
    const dest = out orelse return invalid;
    const h = set.histogram(which) catch |err| return status.code(err);
    dest.* = h.summary();
    return 0;
}

export fn msgtrans_histogram_reset(m: ?*Metrics, which: u32) i32 {
    const set = m orelse return invalid;
    const h = set.histogram(which) catch |err| return status.code(err);
    h.reset();
    return 0;
}

test {
    _ = @import("tests.zig");
}

test "exports report statuses, never crash" {
    var ptr: usize = 0;
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_table_create(2, 4, 100, &ptr));
    const t: *SessionTable = @ptrFromInt(ptr);
    defer _ = msgtrans_session_table_destroy(t);
    const h: u64 = @intCast(msgtrans_session_insert(t, 1, 2, 3));
    try std.testing.expectEqual(@as(i32, 1), msgtrans_session_owner(t, h));
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_remove(t, h));
    try std.testing.expectEqual(@as(i32, -2), msgtrans_session_remove(t, h));
    try std.testing.expectEqual(invalid, msgtrans_session_lookup(null, 1, null));
    try std.testing.expectEqual(invalid, msgtrans_buffer_pool_create(null, &ptr));
    try std.testing.expectEqual(invalid, msgtrans_queue_push(null, 1, 0, 0, 0));
    try std.testing.expectEqual(@as(i32, -1), msgtrans_queue_detach(200));
}
