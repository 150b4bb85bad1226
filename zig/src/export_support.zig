//! Helpers for lib.zig's exports: create/free/attach instances and turn results into
//! status codes. No `export fn` here: lib.zig stays the only export file.
const std = @import("std");
const status = @import("status.zig");
const bp = @import("buffer_pool.zig");
const metrics = @import("metrics.zig");
const numa = @import("numa.zig");

const page = std.heap.page_allocator;
const invalid: i32 = @intFromEnum(status.Status.invalid_argument);

pub fn make(comptime T: type, config: anytype, out: ?*usize) i32 {
    const dest = out orelse return invalid;
    const instance = page.create(T) catch return status.code(error.OutOfMemory);
    instance.* = T.init(page, config) catch |err| {
        page.destroy(instance);
        return status.code(err);
    };
    dest.* = @intFromPtr(instance);
    return 0;
}

pub fn free(comptime T: type, instance: ?*T) i32 {
    const i = instance orelse return invalid;
    i.deinit();
    page.destroy(i);
    return 0;
}

pub fn attach(reg: anytype, id: u32, config: anytype, out: ?*usize) i32 {
    const dest = out orelse return invalid;
    const instance = reg.attach(id, config) catch |err| return status.code(err);
    dest.* = @intFromPtr(instance);
    return 0;
}

pub fn value(result: anytype) i32 {
    const v = result catch |err| return status.code(err);
    return @intCast(v);
}

/// Pool configuration as JS writes it (Uint32Array(14)).
pub const PoolConfig = extern struct {
    tiers: [bp.tier_count]bp.TierConfig,
    node: i32,
    populate: u32,
};

// Layouts the TS side reads or writes word by word.
comptime {
    std.debug.assert(@sizeOf(PoolConfig) == 56);
    std.debug.assert(@sizeOf(bp.TierStats) == 72);
    std.debug.assert(@sizeOf(metrics.Summary) == 64);
    std.debug.assert(@sizeOf(numa.Placement) == 12);
}
