//! Holder ledgers: random operations against a per-holder model, and threads that die
//! holding references (a crashed worker) while the others keep pushing to them.
const std = @import("std");
const bp = @import("buffer_pool.zig");
const holders = @import("buffer_holders.zig");
const queue = @import("queue.zig");
const BufferPool = bp.BufferPool;
const WorkerQueue = queue.WorkerQueue;

fn smallConfig() bp.Config {
    return .{ .tiers = .{
        .{ .initial = 64, .max = 4000, .low_water = 64 },
        .{ .initial = 8, .max = 1000, .low_water = 8 },
        .{ .initial = 0, .max = 200, .low_water = 0 },
        .{ .initial = 1, .max = 8, .low_water = 1 },
    } };
}

fn inUse(pool: *BufferPool) !u64 {
    var total: u64 = 0;
    for (0..bp.tier_count) |t| total += (try pool.stats(@intCast(t))).in_use;
    return total;
}

const holder_count = 4;
/// Model index of the unaccounted thread (setHolder(no_holder)).
const unheld = holder_count;
const Model = [holder_count + 1]std.AutoArrayHashMap(bp.Ref, u32);
const RefSet = std.AutoHashMap(bp.Ref, void);

fn modelAdd(m: *std.AutoArrayHashMap(bp.Ref, u32), ref: bp.Ref, n: i64) !void {
    const entry = try m.getOrPutValue(ref, 0);
    const next = @as(i64, entry.value_ptr.*) + n;
    if (next == 0) _ = m.swapRemove(ref) else entry.value_ptr.* = @intCast(next);
}

fn modelSum(m: *const std.AutoArrayHashMap(bp.Ref, u32)) u64 {
    var total: u64 = 0;
    for (m.values()) |v| total += v;
    return total;
}

/// Distinct buffers referenced by any holder or by the queue (`seen` is scratch).
fn liveBuffers(model: *const Model, fifo: []const bp.Ref, seen: *RefSet) !u64 {
    seen.clearRetainingCapacity();
    for (model) |*m| for (m.keys()) |ref| try seen.put(ref, {});
    for (fifo) |ref| try seen.put(ref, {});
    return seen.count();
}

fn modelRun(seed: u64) !void {
    const gpa = std.testing.allocator;
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var pool = try BufferPool.init(gpa, smallConfig());
    defer pool.deinit();
    var q = try WorkerQueue.init(gpa, 32);
    defer q.deinit();
    try q.carryRefs(&pool);
    var model: Model = undefined;
    for (&model) |*m| m.* = .init(gpa);
    defer for (&model) |*m| m.deinit();
    var fifo: std.ArrayList(bp.Ref) = .empty;
    defer fifo.deinit(gpa);
    var seen = RefSet.init(gpa);
    defer seen.deinit();
    defer holders.setHolder(&pool, holders.no_holder) catch unreachable;
    var me: usize = unheld;
    for (0..20_000) |_| {
        const roll = random.uintLessThan(u32, 100);
        const mine = &model[me];
        if (roll < 5) {
            me = random.uintLessThan(usize, holder_count + 1);
            const id: u32 = if (me == unheld) holders.no_holder else @intCast(me);
            try pool.setHolder(id);
        } else if (roll < 30) {
            const ref = pool.acquire(random.uintLessThan(u32, 70_000) + 1) catch continue;
            try modelAdd(mine, ref, 1);
        } else if (roll < 40 and mine.count() > 0) {
            const ref = mine.keys()[random.uintLessThan(usize, mine.count())];
            _ = try pool.retain(ref);
            try modelAdd(mine, ref, 1);
        } else if (roll < 60 and mine.count() > 0) {
            const ref = mine.keys()[random.uintLessThan(usize, mine.count())];
            _ = try pool.release(ref);
            try modelAdd(mine, ref, -1);
        } else if (roll < 75 and mine.count() > 0) {
            const ref = mine.keys()[random.uintLessThan(usize, mine.count())];
            if (q.push(.{ .handle = 0, .buffer = ref, .len = 0, .flags = 0 })) |_| {
                try modelAdd(mine, ref, -1);
                try fifo.append(gpa, ref);
            } else |err| try std.testing.expectEqual(error.Full, err);
        } else if (roll < 90) {
            const msg = (try q.pop()) orelse continue;
            try std.testing.expectEqual(fifo.orderedRemove(0), msg.buffer);
            try modelAdd(mine, msg.buffer, 1);
        } else if (roll < 93) {
            // Another holder died: everything it held is dropped, nothing else.
            const dead = random.uintLessThan(usize, holder_count);
            if (dead == me) continue;
            const want = modelSum(&model[dead]);
            try std.testing.expectEqual(want, try pool.releaseHolder(@intCast(dead)));
            model[dead].clearRetainingCapacity();
        }
        if (me != unheld) {
            try std.testing.expectEqual(modelSum(&model[me]), try pool.heldBy(@intCast(me)));
        }
        try std.testing.expectEqual(try liveBuffers(&model, fifo.items, &seen), try inUse(&pool));
    }
    // Everyone dies; the queue is drained by an unaccounted thread.
    try pool.setHolder(holders.no_holder);
    while (try q.pop()) |msg| _ = try pool.release(msg.buffer);
    for (0..holder_count) |h| _ = try pool.releaseHolder(@intCast(h));
    for (model[unheld].keys(), model[unheld].values()) |ref, n| {
        for (0..n) |_| _ = try pool.release(ref);
    }
    try std.testing.expectEqual(@as(u64, 0), try inUse(&pool));
}

test "holder ledgers match a per-holder model (acquire, retain, release, push, pop, death)" {
    const seed: u64 = std.testing.random_seed;
    errdefer std.debug.print("holder model: replay with seed {d}\n", .{seed});
    for (0..4) |round| try modelRun(seed +% round);
}

test "set/release holder arguments; a pool's ledger is not another pool's" {
    var a = try BufferPool.init(std.testing.allocator, smallConfig());
    defer a.deinit();
    var b = try BufferPool.init(std.testing.allocator, smallConfig());
    defer b.deinit();
    defer holders.setHolder(&a, holders.no_holder) catch unreachable;
    try std.testing.expectError(error.InvalidArgument, a.setHolder(holders.max_holders));
    try std.testing.expectError(error.InvalidArgument, a.releaseHolder(holders.max_holders));
    try a.setHolder(3);
    const in_a = try a.acquire(10);
    const in_b = try b.acquire(10); // this thread is accounted in `a` only
    try std.testing.expectEqual(@as(u64, 1), try a.heldBy(3));
    try std.testing.expectEqual(@as(u64, 0), try b.heldBy(3));
    try std.testing.expectEqual(@as(u64, 0), try b.releaseHolder(3));
    try std.testing.expectEqual(@as(u32, 0), try b.release(in_b));
    try std.testing.expectEqual(@as(u64, 1), try a.releaseHolder(3));
    try std.testing.expectError(error.Stale, a.release(in_a));
    var q = try WorkerQueue.init(std.testing.allocator, 4);
    defer q.deinit();
    try q.carryRefs(&a);
    try q.carryRefs(&a);
    try std.testing.expectError(error.InvalidArgument, q.carryRefs(&b));
}

const threads = 4;
const iterations = 30_000;

const Rig = struct {
    pool: BufferPool,
    queues: [threads]WorkerQueue,
    /// The iteration at which each thread "crashes", leaving whatever it holds.
    dies_at: [threads]u32,
    errors: std.atomic.Value(u32) = .init(0),

    fn fail(self: *Rig) void {
        _ = self.errors.fetchAdd(1, .monotonic);
    }

    fn stamp(self: *Rig, ref: bp.Ref, value: u64) void {
        const bytes = self.pool.bytes(ref) catch return self.fail();
        std.mem.writeInt(u64, bytes[0..8], value, .little);
    }

    fn stamped(self: *Rig, ref: bp.Ref) u64 {
        const bytes = self.pool.bytes(ref) catch return 0;
        return std.mem.readInt(u64, bytes[0..8], .little);
    }

    /// Sends to one peer, or publishes one buffer to every peer (refcount = peers).
    fn send(self: *Rig, me: u32, seq: u64, random: std.Random) void {
        const ref = self.pool.acquire(random.uintLessThan(u32, 9000) + 1) catch return;
        const value = (@as(u64, me) << 40) | seq;
        self.stamp(ref, value);
        const fan = random.boolean();
        const first = (me + 1 + random.uintLessThan(u32, threads - 1)) % threads;
        const peers: u32 = if (fan) threads - 1 else 1;
        for (1..peers) |_| _ = self.pool.retain(ref) catch return self.fail();
        for (0..peers) |k| {
            const peer = if (fan) (me + 1 + @as(u32, @intCast(k))) % threads else first;
            const msg: queue.Message = .{ .handle = value, .buffer = ref, .len = 0, .flags = 0 };
            _ = self.queues[peer].push(msg) catch {
                _ = self.pool.release(ref) catch self.fail();
            };
        }
    }

    fn run(self: *Rig, me: u32) void {
        self.pool.setHolder(me) catch return self.fail();
        var prng = std.Random.DefaultPrng.init(me + 1);
        const random = prng.random();
        var kept: [64]bp.Ref = undefined; // like buffers a socket's write queue holds
        var n_kept: usize = 0;
        var out: [16]queue.Message = undefined;
        for (0..iterations) |i| {
            if (i == self.dies_at[me]) return; // crash: ledger, kept and inbox left as is
            if (random.boolean()) self.send(me, i, random);
            const got = self.queues[me].popBatch(&out) catch return self.fail();
            for (out[0..got]) |msg| {
                if (self.stamped(msg.buffer) != msg.handle) self.fail();
                if (n_kept < kept.len and random.uintLessThan(u32, 4) == 0) {
                    kept[n_kept] = msg.buffer;
                    n_kept += 1;
                } else _ = self.pool.release(msg.buffer) catch self.fail();
            }
            if (n_kept > 0 and random.uintLessThan(u32, 3) == 0) {
                n_kept -= 1;
                _ = self.pool.release(kept[n_kept]) catch self.fail();
            }
        }
    }
};

test "threads that die holding references: their holders and inboxes give everything back" {
    const gpa = std.heap.page_allocator;
    const rig = try gpa.create(Rig);
    defer gpa.destroy(rig);
    rig.* = .{ .pool = try BufferPool.init(gpa, smallConfig()), .queues = undefined, .dies_at = .{
        iterations / 3, iterations / 2, iterations, iterations,
    } };
    defer rig.pool.deinit();
    for (&rig.queues) |*q| {
        q.* = try WorkerQueue.init(gpa, 256);
        try q.carryRefs(&rig.pool);
    }
    defer for (&rig.queues) |*q| q.deinit();
    var spawned: [threads]std.Thread = undefined;
    for (&spawned, 0..) |*t, i| {
        t.* = try std.Thread.spawn(.{}, Rig.run, .{ rig, @as(u32, @intCast(i)) });
    }
    for (spawned) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), rig.errors.load(.monotonic));
    try std.testing.expect(try inUse(&rig.pool) > 0);
    // The primary's cleanup: flush each dead inbox (unaccounted), then drop each holder.
    var out: [64]queue.Message = undefined;
    for (&rig.queues) |*q| {
        while (true) {
            const n = try q.popBatch(&out);
            if (n == 0) break;
            for (out[0..n]) |msg| _ = try rig.pool.release(msg.buffer);
        }
    }
    for (0..threads) |h| {
        const held = try rig.pool.heldBy(@intCast(h));
        try std.testing.expectEqual(held, try rig.pool.releaseHolder(@intCast(h)));
    }
    try std.testing.expectEqual(@as(u64, 0), try inUse(&rig.pool));
    for (0..bp.tier_count) |t| {
        // Every mapped buffer is back on the free list exactly once.
        var seen = std.AutoHashMap(bp.Ref, void).init(std.testing.allocator);
        defer seen.deinit();
        var cursor: u32 = @truncate(rig.pool.tiers[t].free_head);
        while (cursor != 0) : (cursor = rig.pool.metaOf(cursor - 1).next) {
            try std.testing.expect(!seen.contains(cursor - 1));
            try seen.put(cursor - 1, {});
        }
        try std.testing.expectEqual((try rig.pool.stats(@intCast(t))).capacity, seen.count());
    }
}
