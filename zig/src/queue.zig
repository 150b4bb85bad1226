//! Bounded lock-free queue per worker carrying (session handle, buffer ref, length,
//! flags). Any number of producers (other workers), one consumer (the owner); built on
//! Vyukov's sequence-numbered ring so a push never blocks: it reports Full.
//!
//! Wake-up protocol (the owner never sleeps on work, a sender wakes it at most once):
//! the owner drains with `pop` until null, then calls `prepareSleep`; it may sleep only
//! when that returns true. `push` returns true when it found the owner idle and so
//! must nudge it (postMessage). Counting items instead would lose a wake-up: producers
//! publish claimed slots out of order, so the owner can see "empty" while a slot
//! ahead of it is claimed but not yet written.
//!
//! A queue bound to a buffer pool (`carryRefs`) carries that pool's buffer refs: a
//! push moves the reference out of the pusher's holder ledger, a pop into the popper's
//! (buffer_holders.zig), so a reference in flight belongs to whoever drains the queue.
const std = @import("std");
const status = @import("status.zig");
const bp = @import("buffer_pool.zig");
const holders = @import("buffer_holders.zig");
const Error = status.Error;
const assert = std.debug.assert;

pub const max_capacity: u32 = 1 << 20;

/// One cross-worker delivery. Mirrored as 6 u32 words on the TS side.
pub const Message = extern struct {
    handle: u64,
    buffer: u32,
    len: u32,
    flags: u32,
    reserved: u32 = 0,
};

comptime {
    assert(@sizeOf(Message) == 24);
}

const Cell = struct {
    seq: std.atomic.Value(u64),
    msg: Message,
};

pub const Stats = extern struct {
    pushed: u64,
    popped: u64,
    full: u64,
    wakeups: u64,
    len: u64,
    capacity: u64,
};

pub const WorkerQueue = struct {
    allocator: std.mem.Allocator,
    cells: []Cell,
    mask: u64,
    tail: std.atomic.Value(u64) align(64) = .init(0),
    head: std.atomic.Value(u64) align(64) = .init(0),
    count: std.atomic.Value(u64) align(64) = .init(0),
    /// 1 while the owner may be asleep; starts idle so the first push wakes it.
    idle: std.atomic.Value(u32) align(64) = .init(1),
    full: std.atomic.Value(u64) = .init(0),
    wakeups: std.atomic.Value(u64) = .init(0),
    pushed: std.atomic.Value(u64) = .init(0),
    popped: std.atomic.Value(u64) align(64) = .init(0),
    /// The pool whose refs `Message.buffer` holds (null: the queue carries plain numbers).
    pool: std.atomic.Value(?*bp.BufferPool) = .init(null),

    /// `capacity` must be a power of two in 2..max_capacity.
    pub fn init(allocator: std.mem.Allocator, capacity: u32) Error!WorkerQueue {
        if (capacity < 2 or capacity > max_capacity or !std.math.isPowerOfTwo(capacity)) {
            return error.InvalidArgument;
        }
        const cells = allocator.alloc(Cell, capacity) catch return error.OutOfMemory;
        for (cells, 0..) |*cell, i| cell.* = .{ .seq = .init(i), .msg = undefined };
        return .{ .allocator = allocator, .cells = cells, .mask = capacity - 1 };
    }

    pub fn deinit(self: *WorkerQueue) void {
        self.allocator.free(self.cells);
    }

    /// From now on `Message.buffer` is a ref of `pool`, handed over with the message.
    /// Binding again to the same pool is a no-op; to another one, InvalidArgument.
    pub fn carryRefs(self: *WorkerQueue, pool: *bp.BufferPool) Error!void {
        const prev = self.pool.cmpxchgStrong(null, pool, .acq_rel, .acquire) orelse return;
        if (prev != pool) return error.InvalidArgument;
    }

    /// Enqueues `msg`; true when the owner was idle and must be woken, Full when at
    /// capacity (the caller decides: drop, retry later or send another way). With a bound
    /// pool the reference leaves the pusher's ledger once the message is in.
    pub fn push(self: *WorkerQueue, msg: Message) Error!bool {
        var pos = self.tail.load(.monotonic);
        const cell = while (true) {
            const cell = &self.cells[pos & self.mask];
            const seq = cell.seq.load(.acquire);
            const dif = @as(i64, @bitCast(seq -% pos));
            if (dif == 0) {
                pos = self.tail.cmpxchgWeak(pos, pos + 1, .seq_cst, .monotonic) orelse break cell;
            } else if (dif < 0) {
                _ = self.full.fetchAdd(1, .monotonic);
                return error.Full;
            } else {
                pos = self.tail.load(.monotonic);
            }
        };
        cell.msg = msg;
        cell.seq.store(pos + 1, .release);
        if (self.pool.load(.monotonic)) |pool| holders.debit(pool, msg.buffer);
        _ = self.pushed.fetchAdd(1, .monotonic);
        _ = self.count.fetchAdd(1, .monotonic);
        // Pairs with prepareSleep: either it sees our claim of `tail`, or we see its idle.
        if (self.idle.load(.seq_cst) == 0 or self.idle.swap(0, .seq_cst) == 0) return false;
        _ = self.wakeups.fetchAdd(1, .monotonic);
        return true;
    }

    /// Dequeues the oldest message, or null when empty. With a bound pool the reference
    /// enters the popper's ledger (OutOfMemory, nothing popped, if it cannot grow).
    pub fn pop(self: *WorkerQueue) Error!?Message {
        var one: [1]Message = undefined;
        return if (try self.popBatch(&one) == 1) one[0] else null;
    }

    fn take(self: *WorkerQueue) ?Message {
        var pos = self.head.load(.monotonic);
        const cell = while (true) {
            const cell = &self.cells[pos & self.mask];
            const seq = cell.seq.load(.acquire);
            const dif = @as(i64, @bitCast(seq -% (pos + 1)));
            if (dif == 0) {
                pos = self.head.cmpxchgWeak(pos, pos + 1, .monotonic, .monotonic) orelse break cell;
            } else if (dif < 0) {
                return null;
            } else {
                pos = self.head.load(.monotonic);
            }
        };
        const msg = cell.msg;
        cell.seq.store(pos + self.mask + 1, .release);
        _ = self.popped.fetchAdd(1, .monotonic);
        _ = self.count.fetchSub(1, .monotonic);
        return msg;
    }

    /// Owner only, after `pop` returned null: true when it may sleep until a sender
    /// wakes it; false when a message is on its way (keep draining, maybe yield first).
    pub fn prepareSleep(self: *WorkerQueue) bool {
        self.idle.store(1, .seq_cst);
        if (self.tail.load(.seq_cst) == self.head.load(.monotonic)) return true;
        // A claimed slot exists. Take the idle flag back unless a sender already did (it
        // then wakes us once, harmlessly).
        _ = self.idle.swap(0, .seq_cst);
        return false;
    }

    /// Pops up to `out.len` messages; returns how many. With a bound pool their
    /// references enter the popper's ledger (room is made first, so none is lost).
    pub fn popBatch(self: *WorkerQueue, out: []Message) Error!usize {
        const pool = self.pool.load(.acquire);
        if (pool) |p| try holders.reserve(p, out.len);
        var n: usize = 0;
        while (n < out.len) : (n += 1) {
            out[n] = self.take() orelse break;
            if (pool) |p| holders.credit(p, out[n].buffer) catch unreachable;
        }
        return n;
    }

    pub fn stats(self: *const WorkerQueue) Stats {
        return .{
            .pushed = self.pushed.load(.monotonic),
            .popped = self.popped.load(.monotonic),
            .full = self.full.load(.monotonic),
            .wakeups = self.wakeups.load(.monotonic),
            .len = self.count.load(.monotonic),
            .capacity = self.cells.len,
        };
    }
};

test "fifo, full, and wake-ups only for an idle owner" {
    var q = try WorkerQueue.init(std.testing.allocator, 4);
    defer q.deinit();
    const m: Message = .{ .handle = 0, .buffer = 0, .len = 0, .flags = 0 };
    try std.testing.expect(try q.push(.{ .handle = 1, .buffer = 10, .len = 5, .flags = 0 }));
    try std.testing.expect(!try q.push(.{ .handle = 2, .buffer = 11, .len = 5, .flags = 1 }));
    _ = try q.push(m);
    _ = try q.push(m);
    try std.testing.expectError(error.Full, q.push(m));
    try std.testing.expect(!q.prepareSleep());
    var out: [8]Message = undefined;
    try std.testing.expectEqual(@as(usize, 4), try q.popBatch(&out));
    try std.testing.expectEqual(@as(u64, 2), out[1].handle);
    try std.testing.expectEqual(@as(u32, 1), out[1].flags);
    try std.testing.expect(try q.pop() == null);
    try std.testing.expect(!try q.push(m)); // owner never said it sleeps
    try std.testing.expect(try q.pop() != null);
    try std.testing.expect(q.prepareSleep());
    try std.testing.expect(try q.push(m));
    try std.testing.expect(!try q.push(m));
    const s = q.stats();
    try std.testing.expectEqual(@as(u64, 2), s.wakeups);
    try std.testing.expectEqual(@as(u64, 1), s.full);
    try std.testing.expectError(error.InvalidArgument, WorkerQueue.init(std.testing.allocator, 3));
}
