//! Process-wide named instances. Bun Workers of one process dlopen the same library and
//! so see the same globals: `attach(id)` creates an instance the first time and returns
//! the same pointer to every later caller, on any thread, until the last `detach`.
const std = @import("std");
const status = @import("status.zig");
const Error = status.Error;

/// `T` must have `init(allocator, config) Error!T` and `deinit(*T)`; ids are 0..max_ids-1.
pub fn Registry(comptime T: type, comptime Config: type, comptime max_ids: u32) type {
    return struct {
        const Self = @This();
        const Entry = struct { instance: ?*T = null, refs: u32 = 0 };

        mutex: std.Thread.Mutex = .{},
        entries: [max_ids]Entry = [_]Entry{.{}} ** max_ids,

        /// Returns the instance `id`, creating it with `config` when absent (the config of
        /// later callers is ignored: first one wins).
        pub fn attach(self: *Self, id: u32, config: Config) Error!*T {
            if (id >= max_ids) return error.InvalidArgument;
            self.mutex.lock();
            defer self.mutex.unlock();
            const entry = &self.entries[id];
            if (entry.instance == null) {
                const allocator = std.heap.page_allocator;
                const instance = allocator.create(T) catch return error.OutOfMemory;
                errdefer allocator.destroy(instance);
                instance.* = try T.init(allocator, config);
                entry.instance = instance;
            }
            entry.refs += 1;
            return entry.instance.?;
        }

        /// Drops one reference; the last one frees the instance.
        pub fn detach(self: *Self, id: u32) Error!void {
            if (id >= max_ids) return error.InvalidArgument;
            self.mutex.lock();
            defer self.mutex.unlock();
            const entry = &self.entries[id];
            const instance = entry.instance orelse return error.NotFound;
            std.debug.assert(entry.refs > 0);
            entry.refs -= 1;
            if (entry.refs == 0) {
                instance.deinit();
                std.heap.page_allocator.destroy(instance);
                entry.instance = null;
            }
        }

        pub fn refs(self: *Self, id: u32) u32 {
            if (id >= max_ids) return 0;
            self.mutex.lock();
            defer self.mutex.unlock();
            return self.entries[id].refs;
        }
    };
}

test "attach shares one instance until the last detach" {
    const Counter = struct {
        value: u32,
        pub fn init(_: std.mem.Allocator, start: u32) Error!@This() {
            return .{ .value = start };
        }
        pub fn deinit(_: *@This()) void {}
    };
    const max_ids = 16;
    var reg: Registry(Counter, u32, max_ids) = .{};
    const a = try reg.attach(2, 5);
    const b = try reg.attach(2, 9);
    try std.testing.expectEqual(a, b);
    try std.testing.expectEqual(@as(u32, 5), b.value);
    try std.testing.expectEqual(@as(u32, 2), reg.refs(2));
    try reg.detach(2);
    try reg.detach(2);
    try std.testing.expectError(error.NotFound, reg.detach(2));
    try std.testing.expectError(error.InvalidArgument, reg.attach(max_ids, 0));
}
