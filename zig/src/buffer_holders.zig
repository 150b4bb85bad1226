//! Who holds which buffer references, so the references of a thread that died (a
//! crashed Bun Worker) can be dropped exactly.
//!
//! A thread declares once which holder it is (`setHolder(pool, id)`, a threadlocal).
//! From then on every acquire/retain/release it makes on that pool also updates its
//! holder's ledger: a small open-addressing map ref → references held. Each ledger has a
//! single writer (the thread that is that holder), so the hot path takes no lock and no
//! atomic read-modify-write: one threadlocal read, one hash probe, plain stores.
//! A reference pushed into a worker queue bound to the pool (`WorkerQueue.carryRefs`)
//! leaves the pusher's ledger; the consumer's pop enters it into the popper's ledger. While
//! it sits in the queue it belongs to no holder: whoever drains the queue releases it.
//! `releaseHolder(pool, id)` drops every reference a holder still has; call it only once
//! that holder's thread has stopped (its exit orders its writes before the sweep).
//! Threads that never call `setHolder` (or set `no_holder`) are not accounted.
const std = @import("std");
const status = @import("status.zig");
const bp = @import("buffer_pool.zig");
const Error = status.Error;
const BufferPool = bp.BufferPool;
const assert = std.debug.assert;

/// Holder ids are 0..max_holders-1, one per cluster worker slot.
pub const max_holders = 256;
/// `setHolder(pool, no_holder)` stops accounting for the calling thread.
pub const no_holder: u32 = std.math.maxInt(u32);
const initial_bits = 8;
const max_bits = 31;

/// One ref's references held by one holder. `key` is ref + 1 (0 = empty slot).
pub const Entry = struct { key: u32 = 0, count: u32 = 0 };

/// References held by one holder. Load factor at most 1/2, linear probing, deletion by
/// backward shift (no tombstones), so a probe ends at the first empty slot.
pub const Ledger = struct {
    entries: []Entry,
    bits: u5,
    used: u32 = 0,
    /// References held (the sum of counts); read by other threads for stats.
    held: u64 = 0,

    pub fn init(allocator: std.mem.Allocator) Error!Ledger {
        const entries = allocator.alloc(Entry, 1 << initial_bits) catch return error.OutOfMemory;
        @memset(entries, .{});
        return .{ .entries = entries, .bits = initial_bits };
    }

    pub fn deinit(self: *Ledger, allocator: std.mem.Allocator) void {
        allocator.free(self.entries);
    }

    /// Fibonacci hashing: the top `bits` bits of key * 2^32/phi.
    fn home(self: *const Ledger, key: u32) usize {
        const shift: u5 = @intCast(32 - @as(u6, self.bits));
        return (key *% 0x9E37_79B1) >> shift;
    }

    fn mask(self: *const Ledger) usize {
        return self.entries.len - 1;
    }

    fn find(self: *const Ledger, key: u32) ?usize {
        var i = self.home(key);
        while (true) : (i = (i + 1) & self.mask()) {
            const k = self.entries[i].key;
            if (k == key) return i;
            if (k == 0) return null;
        }
    }

    /// Makes room for `n` more distinct refs, so the next `n` adds cannot fail.
    pub fn reserve(self: *Ledger, allocator: std.mem.Allocator, n: usize) Error!void {
        var bits: u6 = self.bits;
        while ((self.used + n) * 2 > (@as(usize, 1) << bits)) {
            if (bits == max_bits) return error.Full;
            bits += 1;
        }
        if (bits != self.bits) try self.rehash(allocator, @intCast(bits));
    }

    fn rehash(self: *Ledger, allocator: std.mem.Allocator, bits: u5) Error!void {
        const old = self.entries;
        const fresh = allocator.alloc(Entry, @as(usize, 1) << bits) catch return error.OutOfMemory;
        @memset(fresh, .{});
        self.entries = fresh;
        self.bits = bits;
        for (old) |e| {
            if (e.key == 0) continue;
            var i = self.home(e.key);
            while (self.entries[i].key != 0) i = (i + 1) & self.mask();
            self.entries[i] = e;
        }
        allocator.free(old);
    }

    /// One more reference to `ref`, in one probe: the run ends at `ref`'s entry or at the
    /// empty slot where it goes. Grows first when one more entry would pass half full.
    pub inline fn add(self: *Ledger, allocator: std.mem.Allocator, ref: bp.Ref) Error!void {
        if ((self.used + 1) * 2 > self.entries.len) try self.reserve(allocator, 1);
        const key = ref + 1;
        var i = self.home(key);
        while (true) : (i = (i + 1) & self.mask()) {
            const k = self.entries[i].key;
            if (k == key) {
                self.entries[i].count += 1;
                break;
            }
            if (k == 0) {
                self.entries[i] = .{ .key = key, .count = 1 };
                self.used += 1;
                break;
            }
        }
        @atomicStore(u64, &self.held, self.held + 1, .monotonic);
    }

    /// One reference fewer; false (nothing changed) when the ledger has none of `ref`.
    pub inline fn drop(self: *Ledger, ref: bp.Ref) bool {
        const i = self.find(ref + 1) orelse return false;
        assert(self.entries[i].count > 0);
        self.entries[i].count -= 1;
        if (self.entries[i].count == 0) self.erase(i);
        @atomicStore(u64, &self.held, self.held - 1, .monotonic);
        return true;
    }

    /// Backward-shift deletion: pull later entries of the probe run into the hole.
    fn erase(self: *Ledger, slot: usize) void {
        var hole = slot;
        var i = slot;
        while (true) {
            i = (i + 1) & self.mask();
            const key = self.entries[i].key;
            if (key == 0) break;
            const distance_home = (i -% self.home(key)) & self.mask();
            const distance_hole = (i -% hole) & self.mask();
            if (distance_home >= distance_hole) {
                self.entries[hole] = self.entries[i];
                hole = i;
            }
        }
        self.entries[hole] = .{};
        self.used -= 1;
    }

    pub fn clear(self: *Ledger) void {
        @memset(self.entries, .{});
        self.used = 0;
        @atomicStore(u64, &self.held, 0, .monotonic);
    }
};

/// The pool this thread is accounted in and its ledger there. The pointer is compared
/// before anything is read through it (a queue bound to a pool this thread does not hold
/// in never touches that pool); the serial tells a new pool at a reused address apart.
const ThreadHolder = struct {
    pool: ?*const BufferPool = null,
    serial: u64 = 0,
    ledger: ?*Ledger = null,
};
threadlocal var current: ThreadHolder = .{};
var next_serial = std.atomic.Value(u64).init(1);

/// A process-unique pool serial (0 is never issued).
pub fn newSerial() u64 {
    return next_serial.fetchAdd(1, .monotonic);
}

/// The calling thread's ledger in `pool`, or null when it holds nothing there.
inline fn mine(pool: *const BufferPool) ?*Ledger {
    const me = current;
    if (me.pool != pool or me.serial != pool.serial) return null;
    return me.ledger;
}

/// The calling thread took a reference (acquire, retain, pop).
pub inline fn credit(pool: *BufferPool, ref: bp.Ref) Error!void {
    const ledger = mine(pool) orelse return;
    try ledger.add(pool.allocator, ref);
}

/// The calling thread gave a reference away (release, push into a queue).
pub inline fn debit(pool: *BufferPool, ref: bp.Ref) void {
    const ledger = mine(pool) orelse return;
    _ = ledger.drop(ref);
}

/// Room for `n` credits that must not fail (a batch pop).
pub fn reserve(pool: *BufferPool, n: usize) Error!void {
    const ledger = mine(pool) orelse return;
    try ledger.reserve(pool.allocator, n);
}

/// From now on the calling thread's references in `pool` count for holder `id`
/// (`no_holder`: not accounted). One pool per thread is accounted: the last one set.
pub fn setHolder(pool: *BufferPool, id: u32) Error!void {
    if (id == no_holder) {
        current = .{};
        return;
    }
    if (id >= max_holders) return error.InvalidArgument;
    pool.holders_mutex.lock();
    defer pool.holders_mutex.unlock();
    const ledger = pool.ledgers[id] orelse blk: {
        const fresh = pool.allocator.create(Ledger) catch return error.OutOfMemory;
        fresh.* = Ledger.init(pool.allocator) catch |err| {
            pool.allocator.destroy(fresh);
            return err;
        };
        pool.ledgers[id] = fresh;
        break :blk fresh;
    };
    current = .{ .pool = pool, .serial = pool.serial, .ledger = ledger };
}

/// Drops every reference holder `id` still has (its thread must have stopped); returns
/// how many references were dropped. Buffers whose last reference it was return to the
/// pool; buffers other holders still reference stay with them.
pub fn releaseHolder(pool: *BufferPool, id: u32) Error!u64 {
    if (id >= max_holders) return error.InvalidArgument;
    pool.holders_mutex.lock();
    defer pool.holders_mutex.unlock();
    const ledger = pool.ledgers[id] orelse return 0;
    var dropped: u64 = 0;
    for (ledger.entries) |e| {
        if (e.key == 0) continue;
        var n = e.count;
        while (n > 0) : (n -= 1) {
            _ = pool.drop(e.key - 1) catch break;
            dropped += 1;
        }
    }
    ledger.clear();
    return dropped;
}

/// References holder `id` holds right now (0 for a holder never set).
pub fn heldBy(pool: *BufferPool, id: u32) Error!u64 {
    if (id >= max_holders) return error.InvalidArgument;
    pool.holders_mutex.lock();
    defer pool.holders_mutex.unlock();
    const ledger = pool.ledgers[id] orelse return 0;
    return @atomicLoad(u64, &ledger.held, .monotonic);
}

/// Frees every ledger (pool deinit).
pub fn deinitAll(pool: *BufferPool) void {
    for (&pool.ledgers) |*slot| {
        const ledger = slot.* orelse continue;
        ledger.deinit(pool.allocator);
        pool.allocator.destroy(ledger);
        slot.* = null;
    }
}

test "ledger: add, drop, growth and backward-shift deletion keep every count" {
    const gpa = std.testing.allocator;
    var ledger = try Ledger.init(gpa);
    defer ledger.deinit(gpa);
    var model = std.AutoHashMap(u32, u32).init(gpa);
    defer model.deinit();
    var prng = std.Random.DefaultPrng.init(std.testing.random_seed);
    const random = prng.random();
    for (0..50_000) |_| {
        const ref = random.uintLessThan(u32, 2_000) * 977;
        if (random.uintLessThan(u32, 3) != 0) {
            try ledger.add(gpa, ref);
            (try model.getOrPutValue(ref, 0)).value_ptr.* += 1;
        } else {
            const had = model.get(ref) orelse 0;
            try std.testing.expectEqual(had > 0, ledger.drop(ref));
            if (had == 1) _ = model.remove(ref) else if (had > 1) model.getPtr(ref).?.* -= 1;
        }
    }
    var total: u64 = 0;
    var it = model.iterator();
    while (it.next()) |kv| {
        const i = ledger.find(kv.key_ptr.* + 1).?;
        try std.testing.expectEqual(kv.value_ptr.*, ledger.entries[i].count);
        total += kv.value_ptr.*;
    }
    try std.testing.expectEqual(@as(u32, model.count()), ledger.used);
    try std.testing.expectEqual(total, ledger.held);
    try std.testing.expect(ledger.entries.len >= 2 * ledger.used);
}
