//! removeOwner / listOwner: generations, retirement, and a sweep racing other threads.
const std = @import("std");
const st = @import("session_table.zig");
const SessionTable = st.SessionTable;

const dead_owner: u32 = 7;

test "removeOwner frees exactly one owner's sessions; generations advance like remove" {
    var table = try SessionTable.init(std.testing.allocator, .{ .initial_capacity = 8 });
    defer table.deinit();
    const a = try table.insert(.{ .owner = dead_owner, .transport = 0, .tag = 1 });
    const b = try table.insert(.{ .owner = 2, .transport = 0, .tag = 2 });
    const c = try table.insert(.{ .owner = dead_owner, .transport = 1, .tag = 3 });
    var listed: [4]st.Handle = undefined;
    try std.testing.expectEqual(@as(u32, 2), table.listOwner(dead_owner, &listed));
    try std.testing.expectEqualSlices(st.Handle, &.{ a, c }, listed[0..2]);
    // A short buffer gets the first handles; the count is still the total.
    try std.testing.expectEqual(@as(u32, 2), table.listOwner(dead_owner, listed[0..1]));
    try std.testing.expectEqual(a, listed[0]);
    try std.testing.expectEqual(@as(u32, 2), table.removeOwner(dead_owner));
    try std.testing.expectEqual(@as(u32, 0), table.removeOwner(dead_owner));
    try std.testing.expectEqual(@as(u32, 1), table.count());
    try std.testing.expectError(error.Stale, table.lookup(a));
    try std.testing.expectError(error.Stale, table.remove(c));
    try std.testing.expectEqual(@as(u32, 2), (try table.lookup(b)).owner);
    // The freed slots come back with the next generation, as after remove().
    const again = try table.insert(.{ .owner = dead_owner, .transport = 0, .tag = 4 });
    const d = try st.decode(again);
    const freed = [_]u32{ (try st.decode(a)).index, (try st.decode(c)).index };
    try std.testing.expect(d.index == freed[0] or d.index == freed[1]);
    try std.testing.expectEqual(@as(u32, 2), d.generation);
}

test "removeOwner retires a slot at the last generation" {
    var table = try SessionTable.init(std.testing.allocator, .{ .initial_capacity = 1 });
    defer table.deinit();
    try table.remove(try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 }));
    table.slotPtr(0).?.version = (st.max_generation - 1) * 2;
    const last = try table.insert(.{ .owner = dead_owner, .transport = 0, .tag = 0 });
    try std.testing.expectEqual(st.max_generation, (try st.decode(last)).generation);
    try std.testing.expectEqual(@as(u32, 1), table.removeOwner(dead_owner));
    try std.testing.expectEqual(@as(u32, 1), table.retired);
    const next = try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 });
    try std.testing.expectEqual(@as(u32, 1), (try st.decode(next)).index);
}

const Race = struct {
    table: *SessionTable,
    victims: []const st.Handle,
    stop: std.atomic.Value(bool) = .init(false),
    /// Victims removed one by one by a racing thread (not by the sweep).
    removed_singly: std.atomic.Value(u32) = .init(0),
    wrong: std.atomic.Value(u32) = .init(0),
    kept: std.atomic.Value(u32) = .init(0),

    /// Inserts, looks up and removes sessions of its own owner while the sweep runs.
    fn churn(self: *Race, owner: u32) void {
        var prng = std.Random.DefaultPrng.init(owner);
        const random = prng.random();
        var mine: [128]st.Handle = undefined;
        var held: usize = 0;
        while (!self.stop.load(.acquire)) {
            if (held < mine.len and random.boolean()) {
                const info: st.Info = .{ .owner = owner, .transport = 0, .tag = owner };
                mine[held] = self.table.insert(info) catch continue;
                held += 1;
            } else if (held > 0) {
                const k = random.uintLessThan(usize, held);
                const info = self.table.lookup(mine[k]) catch {
                    _ = self.wrong.fetchAdd(1, .monotonic);
                    return;
                };
                if (info.owner != owner) _ = self.wrong.fetchAdd(1, .monotonic);
                self.table.remove(mine[k]) catch {
                    _ = self.wrong.fetchAdd(1, .monotonic);
                };
                held -= 1;
                mine[k] = mine[held];
            }
        }
        for (mine[0..held]) |h| {
            const info = self.table.lookup(h) catch {
                _ = self.wrong.fetchAdd(1, .monotonic);
                continue;
            };
            if (info.owner != owner) _ = self.wrong.fetchAdd(1, .monotonic);
        }
        _ = self.kept.fetchAdd(@intCast(held), .monotonic);
    }

    /// Removes every third victim by handle, racing the sweep for them.
    fn snipe(self: *Race) void {
        var i: usize = 0;
        while (i < self.victims.len) : (i += 3) {
            if (self.table.remove(self.victims[i])) |_| {
                _ = self.removed_singly.fetchAdd(1, .monotonic);
            } else |_| {}
        }
    }
};

test "a sweep racing inserts/lookups/removes of other owners is exact" {
    const gpa = std.heap.page_allocator;
    var table = try SessionTable.init(gpa, .{ .initial_capacity = 0, .max_capacity = 1 << 18 });
    defer table.deinit();
    const victims = try gpa.alloc(st.Handle, 20_000);
    defer gpa.free(victims);
    for (victims, 0..) |*h, i| {
        h.* = try table.insert(.{ .owner = dead_owner, .transport = 0, .tag = @intCast(i) });
        // Interleave other owners' sessions so the sweep walks mixed slots.
        if (i % 4 == 0) _ = try table.insert(.{ .owner = 100, .transport = 0, .tag = 0 });
    }
    const bystanders = table.count() - @as(u32, @intCast(victims.len));
    var race: Race = .{ .table = &table, .victims = victims };
    var churners: [3]std.Thread = undefined;
    for (&churners, 0..) |*t, i| {
        t.* = try std.Thread.spawn(.{}, Race.churn, .{ &race, @as(u32, @intCast(i + 1)) });
    }
    const sniper = try std.Thread.spawn(.{}, Race.snipe, .{&race});
    const swept = table.removeOwner(dead_owner);
    sniper.join();
    race.stop.store(true, .release);
    for (churners) |t| t.join();
    // Every victim was removed exactly once, by the sweep or by the sniper.
    try std.testing.expectEqual(victims.len, swept + race.removed_singly.load(.monotonic));
    for (victims) |h| try std.testing.expectError(error.Stale, table.lookup(h));
    try std.testing.expectEqual(@as(u32, 0), race.wrong.load(.monotonic));
    try std.testing.expectEqual(bystanders + race.kept.load(.monotonic), table.count());
    var listed: [1]st.Handle = undefined;
    try std.testing.expectEqual(@as(u32, 0), table.listOwner(dead_owner, &listed));
    try std.testing.expectEqual(bystanders, table.listOwner(100, &listed));
    // No slot leaked: every slot handed out is live, free or retired.
    var free: u32 = 0;
    for (&table.free_heads) |*head| {
        var top: u32 = @truncate(head.value);
        while (top != 0) : (top = table.slotPtr(top - 1).?.next_free) free += 1;
    }
    try std.testing.expectEqual(table.next_index, free + table.count() + table.retired);
}
