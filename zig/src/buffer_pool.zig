//! Buffer tiers (1 KiB, 8 KiB, 64 KiB, 1 MiB) carved from mmap'd slabs.
//!
//! Buffer ref (u32) bit layout: bits 28..29 tier, bits 22..27 slab slot (64 per tier),
//! bits 0..21 buffer index in the slab. Byte offset in the slab = index * tier size, so
//! every buffer is 64-byte aligned (slabs are page aligned, sizes are multiples of 64).
//!
//! Each tier keeps one lock-free Treiber stack of free buffers across its slabs, headed
//! by a u64 (high 32 bits: ABA tag, low 32: ref + 1). Links and refcounts live in a
//! per-slab metadata array, never in the buffer bytes, so prewarming does not touch the
//! buffers and a stale popper only ever reads metadata, which lives until `deinit`.
//! Growth and shrink take a per-tier mutex; acquire/retain/release never do.
//! `generations[tier][slab]` changes whenever a slab slot is mapped or unmapped so the
//! JS side knows when its one ArrayBuffer per slab must be recreated.
const std = @import("std");
const status = @import("status.zig");
const numa = @import("numa.zig");
const holders = @import("buffer_holders.zig");
const Error = status.Error;
const assert = std.debug.assert;

pub const tier_count = 4;
pub const tier_sizes = [tier_count]u32{ 1 << 10, 8 << 10, 64 << 10, 1 << 20 };
pub const max_slabs = 64;
pub const index_bits = 22;
pub const slab_bits = 6;
pub const tier_shift = index_bits + slab_bits;
pub const Ref = u32;

comptime {
    assert(max_slabs == 1 << slab_bits);
    for (tier_sizes) |size| assert(size % 64 == 0);
}

pub const TierConfig = extern struct {
    /// Buffers mapped at start (prewarm).
    initial: u32,
    /// Hard limit; acquire reports Full beyond it.
    max: u32,
    /// Shrink never takes the tier below this many buffers.
    low_water: u32,
};

pub const Config = struct {
    tiers: [tier_count]TierConfig = .{
        .{ .initial = 10_000, .max = 160_000, .low_water = 10_000 },
        .{ .initial = 5_000, .max = 80_000, .low_water = 5_000 },
        .{ .initial = 1_000, .max = 16_000, .low_water = 1_000 },
        .{ .initial = 100, .max = 1_600, .low_water = 100 },
    },
    /// NUMA node to bind slab memory to (mbind), or -1 for the kernel's default.
    node: i32 = -1,
    /// Fault the slab pages in at mmap time (MAP_POPULATE).
    populate: bool = false,

    pub fn validate(config: Config) Error!void {
        for (config.tiers) |t| {
            const bad = t.max == 0 or t.initial > t.max or t.low_water > t.max;
            if (bad) return error.InvalidArgument;
            if (t.max > max_slabs * (1 << index_bits) / 2) return error.InvalidArgument;
        }
    }
};

/// Per-tier counters, mirrored as a BigUint64Array on the TS side.
pub const TierStats = extern struct {
    hits: u64,
    misses: u64,
    in_use: u64,
    high_water: u64,
    capacity: u64,
    slabs: u64,
    growths: u64,
    shrinks: u64,
    /// 1 when at least 90% of the tier's capacity is in use (the hot-tier signal).
    hot: u64,
};

pub const Meta = extern struct { next: u32, refs: u32 };

pub const Slab = struct {
    /// Buffer bytes (0 when unmapped), written under the tier mutex, read atomically.
    base: usize = 0,
    count: u32 = 0,
    meta: []Meta = &.{},
};

/// Growth factor schedule: the k-th growth multiplies capacity by these percentages.
pub const growth_percents = [_]u32{ 200, 150, 120, 110 };

pub const Tier = struct {
    size: u32,
    config: TierConfig,
    free_head: u64 align(64) = 0,
    hits: u64 align(64) = 0,
    misses: u64 = 0,
    in_use: u64 align(64) = 0,
    high_water: u64 = 0,
    capacity: u32 = 0,
    growths: u32 = 0,
    shrinks: u32 = 0,
    mutex: std.Thread.Mutex = .{},
    slabs: [max_slabs]Slab = [_]Slab{.{}} ** max_slabs,
};

pub fn encodeRef(tier: u32, slab: u32, index: u32) Ref {
    assert(tier < tier_count and slab < max_slabs and index < (1 << index_bits));
    return (tier << tier_shift) | (slab << index_bits) | index;
}

pub const Location = struct { tier: u32, slab: u32, index: u32 };

pub fn decodeRef(ref: Ref) Location {
    return .{
        .tier = ref >> tier_shift,
        .slab = (ref >> index_bits) & (max_slabs - 1),
        .index = ref & ((1 << index_bits) - 1),
    };
}

/// Smallest tier whose buffers hold `size` bytes.
pub fn tierFor(size: u32) Error!u32 {
    for (tier_sizes, 0..) |tier_size, t| if (size <= tier_size) return @intCast(t);
    return error.InvalidArgument;
}

pub const BufferPool = struct {
    allocator: std.mem.Allocator,
    config: Config,
    tiers: [tier_count]Tier,
    /// Read by JS through one view; bumped on every map/unmap of a slab slot.
    generations: [tier_count][max_slabs]u32 = std.mem.zeroes([tier_count][max_slabs]u32),
    retired_meta: std.ArrayList([]Meta) = .empty,
    retired_mutex: std.Thread.Mutex = .{},
    /// Process-unique id, so a thread's holder (a threadlocal) names this pool only.
    serial: u64,
    /// Per-holder ledgers (buffer_holders.zig), created by the holder's `setHolder`.
    ledgers: [holders.max_holders]?*holders.Ledger = @splat(null),
    holders_mutex: std.Thread.Mutex = .{},

    /// Maps the `initial` buffers of every tier (the prewarm).
    pub fn init(allocator: std.mem.Allocator, config: Config) Error!BufferPool {
        try config.validate();
        var pool: BufferPool = .{
            .allocator = allocator,
            .config = config,
            .tiers = undefined,
            .serial = holders.newSerial(),
        };
        for (&pool.tiers, 0..) |*tier, t| {
            tier.* = .{ .size = tier_sizes[t], .config = config.tiers[t] };
        }
        for (0..tier_count) |t| {
            const initial = config.tiers[t].initial;
            if (initial > 0) pool.mapSlab(@intCast(t), initial) catch |err| {
                pool.deinit();
                return err;
            };
        }
        return pool;
    }

    /// Unmaps everything. No other thread may use the pool any more.
    pub fn deinit(self: *BufferPool) void {
        for (&self.tiers) |*tier| {
            for (&tier.slabs) |*slab| {
                if (slab.base != 0) std.posix.munmap(slabBytes(tier, slab));
                self.allocator.free(slab.meta);
            }
        }
        for (self.retired_meta.items) |meta| self.allocator.free(meta);
        self.retired_meta.deinit(self.allocator);
        holders.deinitAll(self);
    }

    pub fn slabBytes(tier: *const Tier, slab: *const Slab) []align(std.heap.page_size_min) u8 {
        const ptr: [*]align(std.heap.page_size_min) u8 = @ptrFromInt(slab.base);
        return ptr[0 .. @as(usize, slab.count) * tier.size];
    }

    pub fn metaOf(self: *BufferPool, ref: Ref) *Meta {
        const loc = decodeRef(ref);
        const slab = &self.tiers[loc.tier].slabs[loc.slab];
        const meta = @atomicLoad([*]Meta, &slab.meta.ptr, .acquire);
        return &meta[loc.index];
    }

    /// Maps a slab of `count` buffers into a free slot; caller holds the tier mutex or
    /// is `init`.
    fn mapSlab(self: *BufferPool, t: u32, count: u32) Error!void {
        const tier = &self.tiers[t];
        const s = for (&tier.slabs, 0..) |*slab, s| {
            if (slab.base == 0) break s;
        } else return error.Full;
        const slab = &tier.slabs[s];
        const len = @as(usize, count) * tier.size;
        const prot = std.posix.PROT.READ | std.posix.PROT.WRITE;
        const flags: std.posix.MAP = .{
            .TYPE = .PRIVATE,
            .ANONYMOUS = true,
            .POPULATE = self.config.populate,
        };
        const memory = std.posix.mmap(null, len, prot, flags, -1, 0) catch return error.OutOfMemory;
        errdefer std.posix.munmap(memory);
        if (self.config.node >= 0) try numa.bindMemory(memory, @intCast(self.config.node));
        if (slab.meta.len < count) {
            const meta = self.allocator.alloc(Meta, count) catch return error.OutOfMemory;
            if (slab.meta.len > 0) try self.retire(slab.meta);
            @atomicStore([*]Meta, &slab.meta.ptr, meta.ptr, .release);
            slab.meta.len = meta.len;
        }
        for (slab.meta[0..count]) |*m| @atomicStore(u32, &m.refs, 0, .monotonic);
        slab.count = count;
        @atomicStore(usize, &slab.base, @intFromPtr(memory.ptr), .release);
        _ = @atomicRmw(u32, &self.generations[t][s], .Add, 1, .release);
        _ = @atomicRmw(u32, &tier.capacity, .Add, count, .monotonic);
        // Push in reverse so index 0 is handed out first.
        var i = count;
        while (i > 0) {
            i -= 1;
            self.pushFree(tier, encodeRef(t, @intCast(s), i));
        }
    }

    fn retire(self: *BufferPool, meta: []Meta) Error!void {
        self.retired_mutex.lock();
        defer self.retired_mutex.unlock();
        self.retired_meta.append(self.allocator, meta) catch return error.OutOfMemory;
    }

    pub fn pushFree(self: *BufferPool, tier: *Tier, ref: Ref) void {
        const meta = self.metaOf(ref);
        var head = @atomicLoad(u64, &tier.free_head, .monotonic);
        while (true) {
            @atomicStore(u32, &meta.next, @truncate(head), .monotonic);
            const new = (((head >> 32) +% 1) << 32) | (ref + 1);
            head = @cmpxchgWeak(u64, &tier.free_head, head, new, .acq_rel, .monotonic) orelse
                return;
        }
    }

    fn popFree(self: *BufferPool, tier: *Tier) ?Ref {
        var head = @atomicLoad(u64, &tier.free_head, .acquire);
        while (true) {
            const top: u32 = @truncate(head);
            if (top == 0) return null;
            const next = @atomicLoad(u32, &self.metaOf(top - 1).next, .monotonic);
            const new = (((head >> 32) +% 1) << 32) | next;
            head = @cmpxchgWeak(u64, &tier.free_head, head, new, .acq_rel, .acquire) orelse
                return top - 1;
        }
    }

    /// Grows tier `t` by the next factor of the schedule, capped at its max.
    fn grow(self: *BufferPool, t: u32) Error!void {
        const tier = &self.tiers[t];
        const capacity = @atomicLoad(u32, &tier.capacity, .monotonic);
        if (capacity >= tier.config.max) return error.Full;
        const step = @min(tier.growths, growth_percents.len - 1);
        const target: u64 = @as(u64, capacity) * growth_percents[step] / 100;
        const wanted: u32 = @intCast(@max(target -| capacity, 64));
        const count = @min(wanted, tier.config.max - capacity, 1 << index_bits);
        try self.mapSlab(t, count);
        _ = @atomicRmw(u32, &tier.growths, .Add, 1, .monotonic);
    }

    /// A buffer of at least `size` bytes with refcount 1; Full when its tier is at max.
    pub fn acquire(self: *BufferPool, size: u32) Error!Ref {
        const t = try tierFor(size);
        const tier = &self.tiers[t];
        var hit = true;
        const ref = self.popFree(tier) orelse blk: {
            hit = false;
            _ = @atomicRmw(u64, &tier.misses, .Add, 1, .monotonic);
            tier.mutex.lock();
            defer tier.mutex.unlock();
            // Another thread may have grown (or shrink returned buffers) meanwhile.
            while (true) {
                if (self.popFree(tier)) |r| break :blk r;
                try self.grow(t);
            }
        };
        const meta = self.metaOf(ref);
        assert(@atomicLoad(u32, &meta.refs, .monotonic) == 0);
        @atomicStore(u32, &meta.refs, 1, .release);
        if (hit) _ = @atomicRmw(u64, &tier.hits, .Add, 1, .monotonic);
        const used = @atomicRmw(u64, &tier.in_use, .Add, 1, .monotonic) + 1;
        _ = @atomicRmw(u64, &tier.high_water, .Max, used, .monotonic);
        holders.credit(self, ref) catch |err| {
            _ = self.drop(ref) catch unreachable;
            return err;
        };
        return ref;
    }

    fn validRef(self: *BufferPool, ref: Ref) Error!*Meta {
        const loc = decodeRef(ref);
        if (loc.tier >= tier_count) return error.InvalidArgument;
        const slab = &self.tiers[loc.tier].slabs[loc.slab];
        if (@atomicLoad(usize, &slab.base, .acquire) == 0) return error.NotFound;
        if (loc.index >= @atomicLoad(u32, &slab.count, .monotonic)) return error.NotFound;
        return self.metaOf(ref);
    }

    /// One more owner of an acquired buffer (e.g. one per session it is sent to).
    pub fn retain(self: *BufferPool, ref: Ref) Error!u32 {
        const meta = try self.validRef(ref);
        var refs = @atomicLoad(u32, &meta.refs, .monotonic);
        while (true) {
            if (refs == 0) return error.Stale;
            refs = @cmpxchgWeak(u32, &meta.refs, refs, refs + 1, .monotonic, .monotonic) orelse
                break;
        }
        holders.credit(self, ref) catch |err| {
            _ = self.drop(ref) catch unreachable;
            return err;
        };
        return refs + 1;
    }

    /// Drops one owner; the last one returns the buffer to its tier. Releasing a free
    /// buffer is reported as Stale (a double free), never applied.
    pub fn release(self: *BufferPool, ref: Ref) Error!u32 {
        const left = try self.drop(ref);
        holders.debit(self, ref);
        return left;
    }

    /// `release` without holder accounting (the ledger code itself, and rollbacks).
    pub fn drop(self: *BufferPool, ref: Ref) Error!u32 {
        const meta = try self.validRef(ref);
        var refs = @atomicLoad(u32, &meta.refs, .monotonic);
        while (true) {
            if (refs == 0) return error.Stale;
            refs = @cmpxchgWeak(u32, &meta.refs, refs, refs - 1, .acq_rel, .monotonic) orelse
                break;
        }
        if (refs > 1) return refs - 1;
        const tier = &self.tiers[ref >> tier_shift];
        _ = @atomicRmw(u64, &tier.in_use, .Sub, 1, .monotonic);
        self.pushFree(tier, ref);
        return 0;
    }

    /// Address of a buffer (Zig-side users; JS uses its slab views).
    pub fn bytes(self: *BufferPool, ref: Ref) Error![]u8 {
        _ = try self.validRef(ref);
        const loc = decodeRef(ref);
        const tier = &self.tiers[loc.tier];
        const base = @atomicLoad(usize, &tier.slabs[loc.slab].base, .acquire);
        const ptr: [*]u8 = @ptrFromInt(base + @as(usize, loc.index) * tier.size);
        return ptr[0..tier.size];
    }

    pub fn slabInfo(self: *BufferPool, t: u32, s: u32) Error!struct { base: usize, len: usize } {
        if (t >= tier_count or s >= max_slabs) return error.InvalidArgument;
        const tier = &self.tiers[t];
        tier.mutex.lock();
        defer tier.mutex.unlock();
        const slab = &tier.slabs[s];
        if (slab.base == 0) return error.NotFound;
        return .{ .base = slab.base, .len = @as(usize, slab.count) * tier.size };
    }

    pub fn stats(self: *BufferPool, t: u32) Error!TierStats {
        if (t >= tier_count) return error.InvalidArgument;
        const tier = &self.tiers[t];
        const in_use = @atomicLoad(u64, &tier.in_use, .monotonic);
        const capacity = @atomicLoad(u32, &tier.capacity, .monotonic);
        var slabs: u64 = 0;
        for (&tier.slabs) |*slab| {
            slabs += @intFromBool(@atomicLoad(usize, &slab.base, .monotonic) != 0);
        }
        return .{
            .hits = @atomicLoad(u64, &tier.hits, .monotonic),
            .misses = @atomicLoad(u64, &tier.misses, .monotonic),
            .in_use = in_use,
            .high_water = @atomicLoad(u64, &tier.high_water, .monotonic),
            .capacity = capacity,
            .slabs = slabs,
            .growths = @atomicLoad(u32, &tier.growths, .monotonic),
            .shrinks = @atomicLoad(u32, &tier.shrinks, .monotonic),
            .hot = @intFromBool(capacity > 0 and in_use * 10 >= @as(u64, capacity) * 9),
        };
    }

    pub const shrink = @import("buffer_shrink.zig").shrink;
    pub const setHolder = holders.setHolder;
    pub const releaseHolder = holders.releaseHolder;
    pub const heldBy = holders.heldBy;
};
