//! Session table workloads against a mutex-guarded std.AutoHashMap baseline.
const std = @import("std");
const core = @import("core");
const st = core.session_table;

pub const Workload = enum { read_heavy, exchange, rapid_grow };

/// The lock-free table under test.
pub const LockFree = struct {
    table: st.SessionTable,
    pub fn init(initial: u32) !LockFree {
        const config: st.Config = .{ .initial_capacity = initial, .max_capacity = 1 << 24 };
        return .{ .table = try st.SessionTable.init(std.heap.page_allocator, config) };
    }
    pub fn deinit(self: *LockFree) void {
        self.table.deinit();
    }
    pub fn insert(self: *LockFree, info: st.Info) u64 {
        return self.table.insert(info) catch unreachable;
    }
    pub fn lookup(self: *LockFree, h: u64) ?st.Info {
        return self.table.lookup(h) catch null;
    }
    pub fn remove(self: *LockFree, h: u64) void {
        self.table.remove(h) catch unreachable;
    }
};

/// Baseline: one mutex around a std.AutoHashMap keyed by a counter. It rehashes every
/// `rehash_every` removals: std's tombstones otherwise make lookups crawl under churn
/// (< 0.1 M ops/s in Exchange), which would flatter the lock-free table.
pub const MutexMap = struct {
    const rehash_every = 4096;
    mutex: std.Thread.Mutex = .{},
    map: std.AutoHashMap(u64, st.Info),
    next: u64 = 1,
    removed: u64 = 0,
    pub fn init(initial: u32) !MutexMap {
        var map = std.AutoHashMap(u64, st.Info).init(std.heap.page_allocator);
        try map.ensureTotalCapacity(initial);
        return .{ .map = map };
    }
    pub fn deinit(self: *MutexMap) void {
        self.map.deinit();
    }
    pub fn insert(self: *MutexMap, info: st.Info) u64 {
        self.mutex.lock();
        defer self.mutex.unlock();
        const h = self.next;
        self.next += 1;
        self.map.put(h, info) catch unreachable;
        return h;
    }
    pub fn lookup(self: *MutexMap, h: u64) ?st.Info {
        self.mutex.lock();
        defer self.mutex.unlock();
        return self.map.get(h);
    }
    pub fn remove(self: *MutexMap, h: u64) void {
        self.mutex.lock();
        defer self.mutex.unlock();
        _ = self.map.remove(h);
        self.removed += 1;
        if (self.removed % rehash_every == 0) self.map.rehash();
    }
};

const prefill = 10_000;
const own_max = 4096;

fn Worker(comptime Impl: type) type {
    return struct {
        fn run(impl: *Impl, shared: []const u64, workload: Workload, ops: u64, seed: u64) void {
            var rng = std.Random.DefaultPrng.init(seed);
            const random = rng.random();
            var own: [own_max]u64 = undefined;
            var n: usize = 0;
            var sink: u64 = 0;
            var i: u64 = 0;
            while (i < ops) : (i += 1) {
                const roll = random.int(u8) % 100;
                const lookup_pct: u8 = switch (workload) {
                    .read_heavy => 98,
                    .exchange => 50,
                    .rapid_grow => 0,
                };
                if (roll < lookup_pct) {
                    const h = shared[random.uintLessThan(usize, shared.len)];
                    if (impl.lookup(h)) |info| sink +%= info.tag;
                } else if (workload == .rapid_grow or (roll % 2 == 0 and n < own_max)) {
                    const h = impl.insert(.{ .owner = 1, .transport = 0, .tag = @truncate(i) });
                    if (n < own_max) {
                        own[n] = h;
                        n += 1;
                    }
                } else if (n > 0) {
                    n -= 1;
                    impl.remove(own[n]);
                }
            }
            std.mem.doNotOptimizeAway(sink);
        }
    };
}

/// Million operations per second over all threads.
pub fn measure(comptime Impl: type, workload: Workload, threads: u32, ops: u64) !f64 {
    var impl = try Impl.init(if (workload == .rapid_grow) 0 else prefill * 2);
    defer impl.deinit();
    var shared: [prefill]u64 = undefined;
    for (&shared, 0..) |*h, i| {
        h.* = impl.insert(.{ .owner = 0, .transport = 0, .tag = @intCast(i) });
    }
    var pool: [8]std.Thread = undefined;
    var timer = try std.time.Timer.start();
    for (pool[0..threads], 0..) |*t, k| {
        const args = .{ &impl, &shared, workload, ops, k + 1 };
        t.* = try std.Thread.spawn(.{}, Worker(Impl).run, args);
    }
    for (pool[0..threads]) |t| t.join();
    const ns: f64 = @floatFromInt(timer.read());
    return @as(f64, @floatFromInt(ops * threads)) / ns * 1e3;
}
