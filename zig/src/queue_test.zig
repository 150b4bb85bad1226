//! WorkerQueue: random ops vs a FIFO model, and producers waking a sleeping consumer.
const std = @import("std");
const q = @import("queue.zig");

test "random push/pop matches a FIFO model" {
    const seed: u64 = std.testing.random_seed;
    errdefer std.debug.print("queue model: replay with seed {d}\n", .{seed});
    var prng = std.Random.DefaultPrng.init(seed);
    const random = prng.random();
    var queue = try q.WorkerQueue.init(std.testing.allocator, 16);
    defer queue.deinit();
    var model: [16]u64 = undefined;
    var head: usize = 0;
    var len: usize = 0;
    var next: u64 = 1;
    for (0..50_000) |_| {
        if (random.boolean()) {
            const msg: q.Message = .{ .handle = next, .buffer = 0, .len = 0, .flags = 0 };
            if (queue.push(msg)) |_| {
                try std.testing.expect(len < 16);
                model[(head + len) % 16] = next;
                len += 1;
            } else |err| {
                try std.testing.expectEqual(error.Full, err);
                try std.testing.expectEqual(@as(usize, 16), len);
            }
            next += 1;
        } else if (try queue.pop()) |msg| {
            try std.testing.expectEqual(model[head], msg.handle);
            head = (head + 1) % 16;
            len -= 1;
        } else try std.testing.expectEqual(@as(usize, 0), len);
    }
}

const producers = 3;
const per_producer = 100_000;

const Rig = struct {
    queue: q.WorkerQueue,
    wake: std.Thread.ResetEvent = .{},
    nudges: std.atomic.Value(u64) = .init(0),
    stop: std.atomic.Value(bool) = .init(false),

    fn produce(self: *Rig, id: u64) void {
        var seq: u64 = 0;
        while (seq < per_producer and !self.stop.load(.acquire)) {
            const msg: q.Message = .{ .handle = id << 32 | seq, .buffer = 0, .len = 0, .flags = 0 };
            const edge = self.queue.push(msg) catch {
                std.Thread.yield() catch {};
                continue;
            };
            if (edge) {
                _ = self.nudges.fetchAdd(1, .monotonic);
                self.wake.set();
            }
            seq += 1;
        }
    }
};

test "producers wake an idle consumer exactly when needed, never losing a wake-up" {
    var rig: Rig = .{ .queue = try q.WorkerQueue.init(std.heap.page_allocator, 256) };
    defer rig.queue.deinit();
    var threads: [producers]std.Thread = undefined;
    for (&threads, 0..) |*t, i| t.* = try std.Thread.spawn(.{}, Rig.produce, .{ &rig, i });
    var next = [_]u64{0} ** producers;
    var received: u64 = 0;
    var lost_wakeups: u32 = 0;
    while (received < producers * per_producer) {
        while (try rig.queue.pop()) |msg| {
            const id = msg.handle >> 32;
            try std.testing.expectEqual(next[id], msg.handle & 0xffff_ffff);
            next[id] += 1;
            received += 1;
        }
        if (received == producers * per_producer) break;
        if (!rig.queue.prepareSleep()) {
            std.Thread.yield() catch {};
            continue;
        }
        // A lost wake-up would leave us here with work queued and producers blocked.
        rig.wake.timedWait(5 * std.time.ns_per_s) catch {
            lost_wakeups += 1;
            rig.stop.store(true, .release);
            break;
        };
        rig.wake.reset();
    }
    for (threads) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), lost_wakeups);
    try std.testing.expectEqual(@as(u64, producers * per_producer), received);
    const s = rig.queue.stats();
    try std.testing.expectEqual(s.wakeups, rig.nudges.load(.monotonic));
    try std.testing.expect(s.wakeups < received);
}
