//! The only file that exports symbols from libmsgtrans. Every export returns a status
//! code (see status.zig) or a plain value; src/native/symbols.ts mirrors this list and a
//! Bun test compares the two. Pointers are opaque to JS; handles are documented in
//! session_table.zig.
const std = @import("std");
const status = @import("status.zig");
const session_table = @import("session_table.zig");
const registry = @import("registry.zig");

const SessionTable = session_table.SessionTable;
const Status = status.Status;

pub const version_string: [:0]const u8 = "0.1.0";

var tables: registry.Registry(SessionTable, session_table.Config) = .{};

fn invalid() i32 {
    return @intFromEnum(Status.invalid_argument);
}

export fn msgtrans_version() [*:0]const u8 {
    return version_string.ptr;
}

export fn msgtrans_status_name(code: i32) [*:0]const u8 {
    return status.name(code).ptr;
}

fn tableConfig(initial: u32, max: u32, growth_percent: u32) session_table.Config {
    return .{ .initial_capacity = initial, .max_capacity = max, .growth_percent = growth_percent };
}

/// Private table (tests, benchmarks). Writes the table pointer to `out`.
export fn msgtrans_session_table_create(initial: u32, max: u32, growth: u32, out: ?*usize) i32 {
    const dest = out orelse return invalid();
    const allocator = std.heap.page_allocator;
    const table = allocator.create(SessionTable) catch return status.code(error.OutOfMemory);
    table.* = SessionTable.init(allocator, tableConfig(initial, max, growth)) catch |err| {
        allocator.destroy(table);
        return status.code(err);
    };
    dest.* = @intFromPtr(table);
    return 0;
}

export fn msgtrans_session_table_destroy(table: ?*SessionTable) i32 {
    const t = table orelse return invalid();
    t.deinit();
    std.heap.page_allocator.destroy(t);
    return 0;
}

/// Process-wide table `id` (0..15), shared by every thread; first caller's config wins.
export fn msgtrans_session_table_attach(
    id: u32,
    initial: u32,
    max: u32,
    growth: u32,
    out: ?*usize,
) i32 {
    const dest = out orelse return invalid();
    const config = tableConfig(initial, max, growth);
    const table = tables.attach(id, config) catch |err| return status.code(err);
    dest.* = @intFromPtr(table);
    return 0;
}

export fn msgtrans_session_table_detach(id: u32) i32 {
    return status.code(tables.detach(id));
}

/// Returns the new handle (> 0) or a negative status.
export fn msgtrans_session_insert(table: ?*SessionTable, owner: u32, transport: u32, tag: u32) i64 {
    const t = table orelse return invalid();
    const handle = t.insert(.{ .owner = owner, .transport = transport, .tag = tag }) catch |err|
        return status.code(err);
    return @intCast(handle);
}

export fn msgtrans_session_lookup(
    table: ?*SessionTable,
    handle: u64,
    out: ?*session_table.Info,
) i32 {
    const t = table orelse return invalid();
    const dest = out orelse return invalid();
    dest.* = t.lookup(handle) catch |err| return status.code(err);
    return 0;
}

/// Owner worker of a live session, or a negative status: the cheapest routing lookup.
export fn msgtrans_session_owner(table: ?*SessionTable, handle: u64) i32 {
    const t = table orelse return invalid();
    const info = t.lookup(handle) catch |err| return status.code(err);
    return @intCast(info.owner & 0x7fff_ffff);
}

export fn msgtrans_session_remove(table: ?*SessionTable, handle: u64) i32 {
    const t = table orelse return invalid();
    return status.code(t.remove(handle));
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
    const t = table orelse return invalid();
    return status.code(t.recordIo(handle, inbound != 0, bytes));
}

export fn msgtrans_session_stats(
    table: ?*SessionTable,
    handle: u64,
    out: ?*session_table.Stats,
) i32 {
    const t = table orelse return invalid();
    const dest = out orelse return invalid();
    dest.* = t.stats(handle) catch |err| return status.code(err);
    return 0;
}

test {
    _ = status;
    _ = session_table;
    _ = registry;
    _ = @import("session_table_test.zig");
    _ = @import("buffer_pool.zig");
    _ = @import("buffer_pool_test.zig");
    _ = @import("numa_test.zig");
    _ = @import("queue.zig");
    _ = @import("queue_test.zig");
    _ = @import("metrics.zig");
}

test "version is a C string" {
    try std.testing.expectEqualStrings("0.1.0", std.mem.span(msgtrans_version()));
}

test "exports report statuses, never crash" {
    var ptr: usize = 0;
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_table_create(2, 4, 100, &ptr));
    const t: *SessionTable = @ptrFromInt(ptr);
    defer _ = msgtrans_session_table_destroy(t);
    const h = msgtrans_session_insert(t, 1, 2, 3);
    try std.testing.expect(h > 0);
    var info: session_table.Info = undefined;
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_lookup(t, @intCast(h), &info));
    try std.testing.expectEqual(@as(i32, 1), msgtrans_session_owner(t, @intCast(h)));
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_remove(t, @intCast(h)));
    try std.testing.expectEqual(@as(i32, -2), msgtrans_session_remove(t, @intCast(h)));
    try std.testing.expectEqual(@as(i32, -4), msgtrans_session_lookup(null, 1, &info));
    try std.testing.expectEqual(@as(i32, -4), msgtrans_session_table_create(9, 4, 100, &ptr));
    var shared_a: usize = 0;
    var shared_b: usize = 0;
    const ok: i32 = 0;
    try std.testing.expectEqual(ok, msgtrans_session_table_attach(7, 8, 64, 100, &shared_a));
    try std.testing.expectEqual(ok, msgtrans_session_table_attach(7, 1, 2, 100, &shared_b));
    try std.testing.expectEqual(shared_a, shared_b);
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_table_detach(7));
    try std.testing.expectEqual(@as(i32, 0), msgtrans_session_table_detach(7));
    try std.testing.expectEqual(@as(i32, -1), msgtrans_session_table_detach(7));
}
