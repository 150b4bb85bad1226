//! Buffer pool against a reference model (seeded) and under threads.
const std = @import("std");
const bp = @import("buffer_pool.zig");
const BufferPool = bp.BufferPool;

fn smallConfig() bp.Config {
    return .{ .tiers = .{
        .{ .initial = 64, .max = 1000, .low_water = 64 },
        .{ .initial = 8, .max = 300, .low_water = 8 },
        .{ .initial = 0, .max = 100, .low_water = 0 },
        .{ .initial = 1, .max = 8, .low_water = 1 },
    } };
}

test "acquire is 64-byte aligned, sized by tier, refcounted" {
    var pool = try BufferPool.init(std.testing.allocator, smallConfig());
    defer pool.deinit();
    const a = try pool.acquire(100);
    const b = try pool.acquire(9000);
    try std.testing.expectEqual(@as(u32, 0), bp.decodeRef(a).tier);
    try std.testing.expectEqual(@as(u32, 2), bp.decodeRef(b).tier);
    const bytes = try pool.bytes(b);
    try std.testing.expectEqual(@as(usize, 64 << 10), bytes.len);
    try std.testing.expectEqual(@as(usize, 0), @intFromPtr(bytes.ptr) % 64);
    try std.testing.expectEqual(@as(u32, 2), try pool.retain(a));
    try std.testing.expectEqual(@as(u32, 1), try pool.release(a));
    try std.testing.expectEqual(@as(u32, 0), try pool.release(a));
    try std.testing.expectError(error.Stale, pool.release(a));
    try std.testing.expectError(error.Stale, pool.retain(a));
    try std.testing.expectError(error.InvalidArgument, pool.acquire((1 << 20) + 1));
    const s = try pool.stats(0);
    try std.testing.expectEqual(@as(u64, 1), s.hits);
    try std.testing.expectEqual(@as(u64, 0), s.in_use);
    try std.testing.expectEqual(@as(u64, 1), (try pool.stats(2)).misses);
}

test "tiers grow 2.0, 1.5, 1.2, 1.1 up to max, then Full; shrink unmaps idle slabs" {
    var pool = try BufferPool.init(std.testing.allocator, smallConfig());
    defer pool.deinit();
    var held: std.ArrayList(bp.Ref) = .empty;
    defer held.deinit(std.testing.allocator);
    var caps: [5]u64 = undefined;
    var n: usize = 0;
    var last: u64 = 0;
    while (pool.acquire(1)) |ref| {
        try held.append(std.testing.allocator, ref);
        const cap = (try pool.stats(0)).capacity;
        if (cap != last and n < caps.len) {
            caps[n] = cap;
            n += 1;
        }
        last = cap;
    } else |err| try std.testing.expectEqual(error.Full, err);
    // 64 → 128 (x2) → 192 (x1.5) → 256 (64 minimum step) ... capped at 1000.
    try std.testing.expectEqualSlices(u64, &.{ 64, 128, 192, 256, 320 }, caps[0..5]);
    try std.testing.expectEqual(@as(usize, 1000), held.items.len);
    const hot = try pool.stats(0);
    try std.testing.expectEqual(@as(u64, 1), hot.hot);
    try std.testing.expectEqual(@as(u64, 1000), hot.high_water);
    try std.testing.expectEqual(@as(u32, 0), pool.shrink());
    for (held.items) |ref| _ = try pool.release(ref);
    const gen_before = pool.generations[0][1];
    try std.testing.expect(pool.shrink() > 0);
    const after = try pool.stats(0);
    try std.testing.expectEqual(@as(u64, 64), after.capacity);
    try std.testing.expectEqual(@as(u64, 1), after.slabs);
    try std.testing.expect(pool.generations[0][1] != gen_before);
    try std.testing.expectError(error.NotFound, pool.release(held.items[999]));
    // The survivors still work, and the tier regrows.
    for (0..200) |_| held.items[0] = try pool.acquire(1);
    try std.testing.expect((try pool.stats(0)).capacity >= 200);
}

test "random acquire/retain/release matches a refcount model" {
    const seed: u64 = std.testing.random_seed;
    errdefer std.debug.print("buffer pool model: replay with seed {d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var pool = try BufferPool.init(std.testing.allocator, smallConfig());
    defer pool.deinit();
    var model = std.AutoArrayHashMap(bp.Ref, u32).init(std.testing.allocator);
    defer model.deinit();
    for (0..20_000) |_| {
        const roll = random.uintLessThan(u32, 100);
        if (roll < 40) {
            const size = random.uintLessThan(u32, 70_000) + 1;
            const ref = pool.acquire(size) catch |err| {
                try std.testing.expectEqual(error.Full, err);
                continue;
            };
            try std.testing.expect(!model.contains(ref));
            try model.put(ref, 1);
        } else if (model.count() > 0) {
            const k = random.uintLessThan(usize, model.count());
            const ref = model.keys()[k];
            if (roll < 55) {
                model.values()[k] += 1;
                try std.testing.expectEqual(model.values()[k], try pool.retain(ref));
            } else {
                model.values()[k] -= 1;
                try std.testing.expectEqual(model.values()[k], try pool.release(ref));
                if (model.values()[k] == 0) _ = model.swapRemove(ref);
            }
        }
        if (roll == 99) _ = pool.shrink();
    }
    var in_use: u64 = 0;
    for (0..bp.tier_count) |t| in_use += (try pool.stats(@intCast(t))).in_use;
    try std.testing.expectEqual(@as(u64, model.count()), in_use);
}

fn hammer(pool: *BufferPool, seed: u64, errors: *std.atomic.Value(u32)) void {
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var held: [32]bp.Ref = undefined;
    var stamps: [32]u64 = undefined;
    var n: usize = 0;
    for (0..100_000) |i| {
        if (n < held.len and random.boolean()) {
            const ref = pool.acquire(random.uintLessThan(u32, 9000) + 1) catch continue;
            const bytes = pool.bytes(ref) catch unreachable;
            // Owner stamp: a buffer handed to two holders at once shows up here.
            std.mem.writeInt(u64, bytes[0..8], seed << 32 | i, .little);
            held[n] = ref;
            stamps[n] = seed << 32 | i;
            n += 1;
            if (random.boolean()) _ = pool.retain(ref) catch unreachable;
        } else if (n > 0) {
            const k = random.uintLessThan(usize, n);
            const bytes = pool.bytes(held[k]) catch unreachable;
            if (std.mem.readInt(u64, bytes[0..8], .little) != stamps[k]) {
                _ = errors.fetchAdd(1, .monotonic);
            }
            while ((pool.release(held[k]) catch unreachable) > 0) {}
            n -= 1;
            held[k] = held[n];
            stamps[k] = stamps[n];
        }
        if (i % 20_000 == 0) _ = pool.shrink();
    }
    for (held[0..n]) |ref| while ((pool.release(ref) catch unreachable) > 0) {};
}

test "threads acquire/retain/release/shrink: refcounts back to zero, nothing lost" {
    var pool = try BufferPool.init(std.heap.page_allocator, smallConfig());
    defer pool.deinit();
    var errors = std.atomic.Value(u32).init(0);
    var threads: [4]std.Thread = undefined;
    for (&threads, 0..) |*t, i| t.* = try std.Thread.spawn(.{}, hammer, .{ &pool, i + 1, &errors });
    for (threads) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), errors.load(.monotonic));
    for (0..bp.tier_count) |t| {
        const s = try pool.stats(@intCast(t));
        try std.testing.expectEqual(@as(u64, 0), s.in_use);
        // Every mapped buffer is back on the free list exactly once.
        var seen = std.AutoHashMap(bp.Ref, void).init(std.testing.allocator);
        defer seen.deinit();
        var cursor: u32 = @truncate(pool.tiers[t].free_head);
        while (cursor != 0) : (cursor = pool.metaOf(cursor - 1).next) {
            try std.testing.expect(!seen.contains(cursor - 1));
            try seen.put(cursor - 1, {});
        }
        try std.testing.expectEqual(s.capacity, seen.count());
    }
}
