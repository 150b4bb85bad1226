//! Session table against a reference model (random ops, seeded) and under threads.
const std = @import("std");
const st = @import("session_table.zig");
const SessionTable = st.SessionTable;

fn modelRun(seed: u64, ops: u32) !void {
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    const gpa = std.testing.allocator;
    var table = try SessionTable.init(gpa, .{
        .initial_capacity = 0,
        .max_capacity = 3000,
        .growth_percent = 1 + random.uintLessThan(u32, 200),
    });
    defer table.deinit();
    var live = std.AutoArrayHashMap(st.Handle, st.Info).init(gpa);
    defer live.deinit();
    var dead: std.ArrayList(st.Handle) = .empty;
    defer dead.deinit(gpa);

    var i: u32 = 0;
    while (i < ops) : (i += 1) {
        const roll = random.uintLessThan(u32, 100);
        if (roll < 45) {
            const info: st.Info = .{
                .owner = random.int(u8),
                .transport = random.uintLessThan(u32, 3),
                .tag = random.int(u32),
            };
            if (table.insert(info)) |h| {
                try std.testing.expect(!live.contains(h));
                try live.put(h, info);
            } else |err| {
                try std.testing.expectEqual(error.Full, err);
                try std.testing.expectEqual(@as(usize, 3000), live.count());
            }
        } else if (roll < 75 and live.count() > 0) {
            const k = random.uintLessThan(usize, live.count());
            const h = live.keys()[k];
            try std.testing.expectEqual(live.values()[k], try table.lookup(h));
            if (roll < 55) {
                try table.remove(h);
                _ = live.swapRemove(h);
                try dead.append(gpa, h);
            }
        } else if (roll < 77 and live.count() > 0) {
            // Sweep one owner (a dead worker): exactly its live sessions go.
            const owner = live.values()[random.uintLessThan(usize, live.count())].owner;
            var doomed: std.ArrayList(st.Handle) = .empty;
            defer doomed.deinit(gpa);
            for (live.keys(), live.values()) |h, info| {
                if (info.owner == owner) try doomed.append(gpa, h);
            }
            var listed: [3000]st.Handle = undefined;
            const n = table.listOwner(owner, &listed);
            try std.testing.expectEqual(doomed.items.len, n);
            for (listed[0..n]) |h| try std.testing.expectEqual(owner, live.get(h).?.owner);
            const swept = table.removeOwner(owner);
            try std.testing.expectEqual(@as(u32, @intCast(doomed.items.len)), swept);
            for (doomed.items) |h| _ = live.swapRemove(h);
            try dead.appendSlice(gpa, doomed.items);
        } else if (dead.items.len > 0) {
            const h = dead.items[random.uintLessThan(usize, dead.items.len)];
            try std.testing.expectError(error.Stale, table.lookup(h));
            try std.testing.expectError(error.Stale, table.remove(h));
        }
        try std.testing.expectEqual(live.count(), table.count());
    }
}

test "random operations match a reference model" {
    const seed: u64 = std.testing.random_seed;
    errdefer std.debug.print("session table model: replay with seed {d}\n", .{seed});
    var round: u64 = 0;
    while (round < 8) : (round += 1) try modelRun(seed +% round, 20_000);
}

test "growth is proportional: capacity stays within the growth factor of the load" {
    var table = try SessionTable.init(std.testing.allocator, .{
        .initial_capacity = 0,
        .max_capacity = 1 << 22,
    });
    defer table.deinit();
    var i: u32 = 0;
    while (i < 20_000) : (i += 1) _ = try table.insert(.{ .owner = 0, .transport = 0, .tag = i });
    try std.testing.expect(table.capacity() >= 20_000);
    try std.testing.expect(table.capacity() <= 2 * 20_000 + 2 * st.chunk_slots);
}

const Shared = struct {
    table: *SessionTable,
    published: []std.atomic.Value(u64),
    torn: std.atomic.Value(u32) = .init(0),
    kept: std.atomic.Value(u32) = .init(0),
};

fn worker(shared: *Shared, id: u32, iterations: u32) void {
    var prng = std.Random.DefaultPrng.init(id);
    const random = prng.random();
    var mine: [64]st.Handle = undefined;
    var held: usize = 0;
    var seq: u32 = 0;
    var i: u32 = 0;
    while (i < iterations) : (i += 1) {
        const roll = random.uintLessThan(u32, 10);
        if (roll < 4 and held < mine.len) {
            seq +%= 1;
            const tag = (id << 24) | (seq & 0xff_ffff);
            const info: st.Info = .{ .owner = id, .transport = id % 3, .tag = tag };
            const h = shared.table.insert(info) catch continue;
            mine[held] = h;
            held += 1;
            shared.published[random.uintLessThan(usize, shared.published.len)].store(h, .release);
        } else if (roll < 7 and held > 0) {
            const k = random.uintLessThan(usize, held);
            shared.table.remove(mine[k]) catch unreachable;
            held -= 1;
            mine[k] = mine[held];
        } else {
            // Someone else's handle: either a consistent snapshot or a clean miss.
            const pick = random.uintLessThan(usize, shared.published.len);
            const h = shared.published[pick].load(.acquire);
            if (h == 0) continue;
            if (shared.table.lookup(h)) |info| {
                if (info.tag >> 24 != info.owner or info.transport != info.owner % 3) {
                    _ = shared.torn.fetchAdd(1, .monotonic);
                }
            } else |err| std.debug.assert(err == error.Stale);
        }
    }
    for (mine[0..held]) |h| {
        const info = shared.table.lookup(h) catch unreachable;
        std.debug.assert(info.owner == id);
    }
    _ = shared.kept.fetchAdd(@intCast(held), .monotonic);
}

test "threads hammer insert/lookup/remove: nothing lost, nothing torn" {
    const gpa = std.heap.page_allocator;
    var table = try SessionTable.init(gpa, .{ .initial_capacity = 0, .max_capacity = 1 << 16 });
    defer table.deinit();
    const published = try gpa.alloc(std.atomic.Value(u64), 256);
    defer gpa.free(published);
    for (published) |*p| p.* = .init(0);
    var shared: Shared = .{ .table = &table, .published = published };
    const threads = 4;
    var handles: [threads]std.Thread = undefined;
    for (&handles, 0..) |*t, id| {
        t.* = try std.Thread.spawn(.{}, worker, .{ &shared, @as(u32, @intCast(id + 1)), 200_000 });
    }
    for (handles) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), shared.torn.load(.monotonic));
    try std.testing.expectEqual(shared.kept.load(.monotonic), table.count());
    // Every slot ever handed out is live, free (on the list) or retired: none leaked.
    var free: u32 = 0;
    for (&table.free_heads) |*head| {
        var top: u32 = @truncate(head.value);
        while (top != 0) : (top = table.slotPtr(top - 1).?.next_free) free += 1;
    }
    try std.testing.expectEqual(table.next_index, free + table.count() + table.retired);
}

const Churn = struct {
    table: *SessionTable,
    published: [16]std.atomic.Value(u64) = [_]std.atomic.Value(u64){.init(0)} ** 16,
    stop: std.atomic.Value(bool) = .init(false),
    mixed: std.atomic.Value(u32) = .init(0),
    hits: std.atomic.Value(u64) = .init(0),

    fn infoOf(r: u32) st.Info {
        return .{ .owner = r, .transport = r % 3, .tag = r *% 2654435761 };
    }

    fn writer(self: *Churn, seed: u64) void {
        var prng = std.Random.DefaultPrng.init(seed);
        const random = prng.random();
        var i: u32 = 0;
        while (i < 300_000) : (i += 1) {
            const h = self.table.insert(infoOf(random.int(u32))) catch continue;
            const old = self.published[random.uintLessThan(usize, 16)].swap(h, .acq_rel);
            if (old != 0) self.table.remove(old) catch {};
        }
        self.stop.store(true, .release);
    }

    fn reader(self: *Churn) void {
        var k: usize = 0;
        while (!self.stop.load(.acquire)) : (k +%= 1) {
            const h = self.published[k % 16].load(.acquire);
            const info = self.table.lookup(h) catch continue;
            _ = self.hits.fetchAdd(1, .monotonic);
            if (!std.meta.eql(info, infoOf(info.owner))) _ = self.mixed.fetchAdd(1, .monotonic);
        }
    }
};

test "lookups racing remove+reinsert of the same slots never see a mix of two sessions" {
    var table = try SessionTable.init(std.heap.page_allocator, .{
        .initial_capacity = 32,
        .max_capacity = 32,
    });
    defer table.deinit();
    var churn: Churn = .{ .table = &table };
    const w1 = try std.Thread.spawn(.{}, Churn.writer, .{ &churn, 1 });
    const w2 = try std.Thread.spawn(.{}, Churn.writer, .{ &churn, 2 });
    const r1 = try std.Thread.spawn(.{}, Churn.reader, .{&churn});
    const r2 = try std.Thread.spawn(.{}, Churn.reader, .{&churn});
    for ([_]std.Thread{ w1, w2, r1, r2 }) |t| t.join();
    try std.testing.expect(churn.hits.load(.monotonic) > 0);
    try std.testing.expectEqual(@as(u32, 0), churn.mixed.load(.monotonic));
}

test "io counters and invalid config" {
    var table = try SessionTable.init(std.testing.allocator, .{ .initial_capacity = 1 });
    defer table.deinit();
    const h = try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 });
    try table.recordIo(h, true, 10);
    try table.recordIo(h, false, 7);
    try table.recordIo(h, false, 1);
    const s = try table.stats(h);
    const want: st.Stats = .{ .msgs_in = 1, .msgs_out = 2, .bytes_in = 10, .bytes_out = 8 };
    try std.testing.expectEqual(want, s);
    try std.testing.expectError(error.InvalidArgument, SessionTable.init(
        std.testing.allocator,
        .{ .initial_capacity = 10, .max_capacity = 5 },
    ));
}

// Basics (moved here from session_table.zig).

test "insert, lookup, remove, stale handle" {
    var table = try SessionTable.init(std.testing.allocator, .{ .initial_capacity = 4 });
    defer table.deinit();
    const h = try table.insert(.{ .owner = 3, .transport = 1, .tag = 99 });
    try std.testing.expect(h > 0 and h < (1 << 53));
    const info = try table.lookup(h);
    try std.testing.expectEqual(@as(u32, 3), info.owner);
    try std.testing.expectEqual(@as(u32, 99), info.tag);
    try table.remove(h);
    try std.testing.expectError(error.Stale, table.lookup(h));
    try std.testing.expectError(error.Stale, table.remove(h));
    const h2 = try table.insert(.{ .owner = 1, .transport = 0, .tag = 0 });
    try std.testing.expectEqual((try st.decode(h)).index, (try st.decode(h2)).index);
    try std.testing.expect(h2 != h);
    try std.testing.expectError(error.InvalidArgument, table.lookup(0));
    try std.testing.expectError(error.NotFound, table.lookup(st.encode(5000, 1)));
    try std.testing.expectEqual(@as(u32, 1), table.count());
}

test "full at max capacity, growth by chunks" {
    var table = try SessionTable.init(std.testing.allocator, .{
        .initial_capacity = 0,
        .max_capacity = 2500,
        .growth_percent = 50,
    });
    defer table.deinit();
    try std.testing.expectEqual(@as(u32, 0), table.capacity());
    var i: u32 = 0;
    while (i < 2500) : (i += 1) _ = try table.insert(.{ .owner = i, .transport = 0, .tag = i });
    try std.testing.expectEqual(@as(u32, 2500), table.capacity());
    const one: st.Info = .{ .owner = 0, .transport = 0, .tag = 0 };
    try std.testing.expectError(error.Full, table.insert(one));
    try std.testing.expectEqual(@as(u32, 2500), table.count());
}

test "a slot at the last generation is retired, not reused" {
    var table = try SessionTable.init(std.testing.allocator, .{ .initial_capacity = 1 });
    defer table.deinit();
    const first = try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 });
    try table.remove(first);
    table.slotPtr(0).?.version = (st.max_generation - 1) * 2;
    const last = try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 });
    try std.testing.expectEqual(st.max_generation, (try st.decode(last)).generation);
    try table.remove(last);
    try std.testing.expectEqual(@as(u32, 1), table.retired);
    const next = try table.insert(.{ .owner = 0, .transport = 0, .tag = 0 });
    try std.testing.expectEqual(@as(u32, 1), (try st.decode(next)).index);
    try std.testing.expectError(error.Stale, table.lookup(last));
}
