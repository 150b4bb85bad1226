//! Process-wide session table keyed by generational handles.
//!
//! Handle bit layout (a u64 that is always a positive JS safe integer, < 2^53):
//!   bits  0..25  slot index        (26 bits, so at most 67,108,864 slots)
//!   bits 26..52  slot generation   (27 bits, 1..134,217,727; 0 is never issued)
//! The handle value 0 is never valid.
//!
//! Slots live in fixed chunks of `chunk_slots` 64-byte slots. The chunk directory is
//! sized for `max_capacity` at creation and chunks are never moved or freed before
//! `deinit`, so growth (publishing a new chunk with one CAS) never stops readers and a
//! reader holding a slot pointer can never touch freed memory. Reclamation is by
//! generation: a slot's `version` is `generation * 2 + live`. Lookups are wait-free
//! (two version loads around the field loads, like a seqlock); insert and remove are
//! CAS-based: sharded, tagged Treiber stacks of free slot indices (the tag defeats ABA)
//! and a bump index for never-used slots. A slot whose generation reaches the maximum is
//! retired instead of reused, so a stale handle can never alias a newer session.
const std = @import("std");
const status = @import("status.zig");
const Error = status.Error;
const assert = std.debug.assert;

pub const index_bits = 26;
pub const generation_bits = 27;
pub const max_slots: u32 = 1 << index_bits;
pub const max_generation: u32 = (1 << generation_bits) - 1;
pub const chunk_slots_log2 = 10;
pub const chunk_slots: u32 = 1 << chunk_slots_log2;
pub const Handle = u64;

comptime {
    assert(index_bits + generation_bits == 53);
}

/// What routing needs about a session. Mirrored as a Uint32Array(4) on the TS side.
pub const Info = extern struct {
    owner: u32,
    transport: u32,
    tag: u32,
    reserved: u32 = 0,
};

comptime {
    assert(@sizeOf(Info) == 16);
}

/// Per-session counters, mirrored as a BigUint64Array(4) on the TS side.
pub const Stats = extern struct {
    msgs_in: u64,
    msgs_out: u64,
    bytes_in: u64,
    bytes_out: u64,
};

/// One cache line per session so writers to different sessions never share a line.
pub const Slot = extern struct {
    version: u32 align(64),
    next_free: u32,
    owner: u32,
    transport: u32,
    tag: u32,
    reserved: u32,
    stats: Stats,
    pad: u64,
};

comptime {
    assert(@sizeOf(Slot) == 64);
    assert(@alignOf(Slot) == 64);
}

const Chunk = [chunk_slots]Slot;

const live_stripes = 16;
const Stripe = struct { value: u32 align(64) = 0 };
pub const free_shards = 8;
pub const Head = struct { value: u64 align(64) = 0 };
threadlocal var thread_stripe: ?u32 = null;
var next_stripe: u32 = 0;

fn myStripe() u32 {
    if (thread_stripe) |s| return s;
    const s = @atomicRmw(u32, &next_stripe, .Add, 1, .monotonic) % live_stripes;
    thread_stripe = s;
    return s;
}

pub const Config = struct {
    initial_capacity: u32 = 10_000,
    max_capacity: u32 = 1 << 20,
    /// Each growth step adds this percentage of the current capacity (at least 1 chunk).
    growth_percent: u32 = 100,

    pub fn validate(config: Config) Error!void {
        if (config.max_capacity == 0 or config.max_capacity > max_slots) {
            return error.InvalidArgument;
        }
        if (config.initial_capacity > config.max_capacity) return error.InvalidArgument;
        if (config.growth_percent < 1 or config.growth_percent > 1000) {
            return error.InvalidArgument;
        }
    }
};

pub const Decoded = struct { index: u32, generation: u32 };

/// Splits a handle; InvalidArgument for 0, generation 0 or bits above 53.
pub fn decode(handle: Handle) Error!Decoded {
    if (handle >> (index_bits + generation_bits) != 0) return error.InvalidArgument;
    const generation: u32 = @intCast(handle >> index_bits);
    if (generation == 0) return error.InvalidArgument;
    return .{ .index = @intCast(handle & (max_slots - 1)), .generation = generation };
}

pub fn encode(index: u32, generation: u32) Handle {
    assert(index < max_slots);
    assert(generation >= 1 and generation <= max_generation);
    return (@as(u64, generation) << index_bits) | index;
}

pub const SessionTable = struct {
    allocator: std.mem.Allocator,
    config: Config,
    /// Chunk pointers as usize, read and written atomically; 0 = not yet allocated.
    directory: []usize,
    committed_chunks: u32 align(64) = 0,
    next_index: u32 align(64) = 0,
    /// Free slots in `free_shards` Treiber stacks, one cache line each: a thread pushes
    /// to and pops from its own shard first, so threads do not fight over one head.
    /// Low 32 bits of a head: free slot index + 1 (0 = empty); high 32 bits: ABA tag.
    free_heads: [free_shards]Head = [_]Head{.{}} ** free_shards,
    /// Live count in per-thread stripes (one cache line each) so inserts and removes on
    /// different threads do not fight over one counter; `count` sums them.
    live: [live_stripes]Stripe = [_]Stripe{.{}} ** live_stripes,
    retired: u32 = 0,

    pub fn init(allocator: std.mem.Allocator, config: Config) Error!SessionTable {
        try config.validate();
        const chunks = std.math.divCeil(u32, config.max_capacity, chunk_slots) catch unreachable;
        const directory = allocator.alloc(usize, chunks) catch return error.OutOfMemory;
        @memset(directory, 0);
        var table: SessionTable = .{
            .allocator = allocator,
            .config = config,
            .directory = directory,
        };
        const initial_chunks = std.math.divCeil(u32, config.initial_capacity, chunk_slots) catch
            unreachable;
        var c: u32 = 0;
        while (c < initial_chunks) : (c += 1) {
            table.ensureChunk(c) catch |err| {
                table.deinit();
                return err;
            };
        }
        return table;
    }

    /// Frees every chunk. The caller guarantees no other thread still uses the table.
    pub fn deinit(self: *SessionTable) void {
        for (self.directory) |entry| {
            if (entry != 0) self.allocator.destroy(@as(*Chunk, @ptrFromInt(entry)));
        }
        self.allocator.free(self.directory);
        self.directory = &.{};
    }

    pub fn count(self: *const SessionTable) u32 {
        var total: u32 = 0;
        for (&self.live) |*stripe| total +%= @atomicLoad(u32, &stripe.value, .monotonic);
        return total;
    }

    /// Slots backed by memory right now (grows in chunks, never above max_capacity).
    pub fn capacity(self: *const SessionTable) u32 {
        const slots = @atomicLoad(u32, &self.committed_chunks, .monotonic) * chunk_slots;
        return @min(slots, self.config.max_capacity);
    }

    pub fn slotPtr(self: *const SessionTable, index: u32) ?*Slot {
        if (index >= self.config.max_capacity) return null;
        const entry = @atomicLoad(usize, &self.directory[index >> chunk_slots_log2], .acquire);
        if (entry == 0) return null;
        const chunk: *Chunk = @ptrFromInt(entry);
        return &chunk[index & (chunk_slots - 1)];
    }

    /// Publishes chunk `c` if nobody has yet; losers of the race free their copy.
    fn ensureChunk(self: *SessionTable, c: u32) Error!void {
        assert(c < self.directory.len);
        if (@atomicLoad(usize, &self.directory[c], .acquire) != 0) return;
        const chunk = self.allocator.create(Chunk) catch return error.OutOfMemory;
        @memset(std.mem.asBytes(chunk), 0);
        const fresh = @intFromPtr(chunk);
        if (@cmpxchgStrong(usize, &self.directory[c], 0, fresh, .acq_rel, .acquire) == null) {
            _ = @atomicRmw(u32, &self.committed_chunks, .Add, 1, .monotonic);
        } else {
            self.allocator.destroy(chunk);
        }
    }

    /// Makes chunk `c` exist and grows ahead by `growth_percent` of the committed size.
    fn grow(self: *SessionTable, c: u32) Error!void {
        if (@atomicLoad(usize, &self.directory[c], .acquire) != 0) return;
        try self.ensureChunk(c);
        const committed = @atomicLoad(u32, &self.committed_chunks, .monotonic);
        const ahead = @max(1, committed * self.config.growth_percent / 100);
        const limit: u32 = @intCast(self.directory.len);
        const end = @min(limit, c + ahead);
        var next = c + 1;
        while (next < end) : (next += 1) try self.ensureChunk(next);
    }

    fn popFree(self: *SessionTable) ?u32 {
        const first = myStripe() % free_shards;
        for (0..free_shards) |k| {
            if (self.popShard(&self.free_heads[(first + k) % free_shards].value)) |i| return i;
        }
        return null;
    }

    fn popShard(self: *SessionTable, free_head: *u64) ?u32 {
        var head = @atomicLoad(u64, free_head, .acquire);
        while (true) {
            const top: u32 = @truncate(head);
            if (top == 0) return null;
            const slot = self.slotPtr(top - 1).?;
            const next = @atomicLoad(u32, &slot.next_free, .monotonic);
            const new = (((head >> 32) +% 1) << 32) | next;
            head = @cmpxchgWeak(u64, free_head, head, new, .acq_rel, .acquire) orelse
                return top - 1;
        }
    }

    fn pushFree(self: *SessionTable, index: u32) void {
        const slot = self.slotPtr(index).?;
        const free_head = &self.free_heads[myStripe() % free_shards].value;
        var head = @atomicLoad(u64, free_head, .monotonic);
        while (true) {
            @atomicStore(u32, &slot.next_free, @truncate(head), .monotonic);
            const new = (((head >> 32) +% 1) << 32) | (index + 1);
            head = @cmpxchgWeak(u64, free_head, head, new, .acq_rel, .monotonic) orelse
                return;
        }
    }

    /// A slot index owned exclusively by the caller: recycled, or never used before.
    fn claimIndex(self: *SessionTable) Error!u32 {
        if (self.popFree()) |index| return index;
        var n = @atomicLoad(u32, &self.next_index, .monotonic);
        while (true) {
            if (n >= self.config.max_capacity) return error.Full;
            try self.grow(n >> chunk_slots_log2);
            n = @cmpxchgWeak(u32, &self.next_index, n, n + 1, .monotonic, .monotonic) orelse
                return n;
        }
    }

    /// Adds a session and returns its handle; Full at max capacity.
    pub fn insert(self: *SessionTable, info: Info) Error!Handle {
        const index = try self.claimIndex();
        const slot = self.slotPtr(index).?;
        const version = @atomicLoad(u32, &slot.version, .acquire);
        assert(version & 1 == 0);
        const generation = version / 2 + 1;
        assert(generation <= max_generation);
        // Release stores: a reader that sees any new field also sees the remove that
        // freed the slot when it re-reads `version`, so it rejects the mixed read.
        @atomicStore(u32, &slot.owner, info.owner, .release);
        @atomicStore(u32, &slot.transport, info.transport, .release);
        @atomicStore(u32, &slot.tag, info.tag, .release);
        inline for (@typeInfo(Stats).@"struct".fields) |f| {
            @atomicStore(u64, &@field(slot.stats, f.name), 0, .release);
        }
        @atomicStore(u32, &slot.version, generation * 2 + 1, .release);
        _ = @atomicRmw(u32, &self.live[myStripe()].value, .Add, 1, .monotonic);
        return encode(index, generation);
    }

    fn liveSlot(self: *const SessionTable, handle: Handle) Error!struct { *Slot, u32 } {
        const d = try decode(handle);
        const slot = self.slotPtr(d.index) orelse return error.NotFound;
        const expected = d.generation * 2 + 1;
        const version = @atomicLoad(u32, &slot.version, .acquire);
        if (version != expected) {
            return if (version / 2 < d.generation) error.NotFound else error.Stale;
        }
        return .{ slot, expected };
    }

    /// Routing data of a live session. Wait-free: no loops, no locks.
    pub fn lookup(self: *const SessionTable, handle: Handle) Error!Info {
        const slot, const expected = try self.liveSlot(handle);
        const info: Info = .{
            .owner = @atomicLoad(u32, &slot.owner, .acquire),
            .transport = @atomicLoad(u32, &slot.transport, .acquire),
            .tag = @atomicLoad(u32, &slot.tag, .acquire),
        };
        if (@atomicLoad(u32, &slot.version, .acquire) != expected) return error.Stale;
        return info;
    }

    /// Removes a live session; exactly one of several concurrent removers succeeds.
    pub fn remove(self: *SessionTable, handle: Handle) Error!void {
        const slot, const expected = try self.liveSlot(handle);
        if (!self.free(slot, (decode(handle) catch unreachable).index, expected)) {
            return error.Stale;
        }
    }

    /// Ends the session of `slot` (at `index`) whose live version is `expected`: false
    /// when another remover got there first. Every removal goes through here, so a slot's
    /// generation advances the same way however its session was removed.
    fn free(self: *SessionTable, slot: *Slot, index: u32, expected: u32) bool {
        assert(expected & 1 == 1);
        const freed = expected - 1;
        if (@cmpxchgStrong(u32, &slot.version, expected, freed, .acq_rel, .monotonic)) |_| {
            return false;
        }
        _ = @atomicRmw(u32, &self.live[myStripe()].value, .Sub, 1, .monotonic);
        if (expected / 2 == max_generation) {
            _ = @atomicRmw(u32, &self.retired, .Add, 1, .monotonic);
        } else {
            self.pushFree(index);
        }
        return true;
    }

    /// Slots that may hold a session: every index below the bump cursor.
    fn usedSlots(self: *const SessionTable) u32 {
        return @min(@atomicLoad(u32, &self.next_index, .acquire), self.config.max_capacity);
    }

    /// Removes every live session whose owner is `owner` (e.g. a worker that died) and
    /// returns how many. Lock-free like `remove`, and safe beside inserts, lookups and
    /// removes on other threads: a session is removed by exactly one of the racing
    /// removers, and only while its version is the one whose owner was read (versions
    /// only grow, so the CAS cannot succeed on a slot reused meanwhile). A session of
    /// `owner` inserted while the sweep runs may be missed; sweep a dead owner.
    pub fn removeOwner(self: *SessionTable, owner: u32) u32 {
        const end = self.usedSlots();
        var removed: u32 = 0;
        var index: u32 = 0;
        while (index < end) : (index += 1) {
            const slot = self.slotPtr(index) orelse continue;
            const version = @atomicLoad(u32, &slot.version, .acquire);
            if (version & 1 == 0) continue;
            if (@atomicLoad(u32, &slot.owner, .acquire) != owner) continue;
            if (self.free(slot, index, version)) removed += 1;
        }
        return removed;
    }

    /// Handles of the live sessions of `owner`: writes the first `out.len` of them and
    /// returns how many there are (a snapshot: sessions may come and go meanwhile).
    pub fn listOwner(self: *const SessionTable, owner: u32, out: []Handle) u32 {
        const end = self.usedSlots();
        var found: u32 = 0;
        var index: u32 = 0;
        while (index < end) : (index += 1) {
            const slot = self.slotPtr(index) orelse continue;
            const version = @atomicLoad(u32, &slot.version, .acquire);
            if (version & 1 == 0) continue;
            const slot_owner = @atomicLoad(u32, &slot.owner, .acquire);
            if (@atomicLoad(u32, &slot.version, .acquire) != version) continue;
            if (slot_owner != owner) continue;
            if (found < out.len) out[found] = encode(index, version / 2);
            found += 1;
        }
        return found;
    }

    /// Counts one message of `bytes` in (inbound) or out. A count racing with a remove
    /// may land on the slot's next session; counters are statistics, not accounting.
    pub fn recordIo(self: *SessionTable, handle: Handle, inbound: bool, bytes: u64) Error!void {
        const slot, _ = try self.liveSlot(handle);
        const msgs = if (inbound) &slot.stats.msgs_in else &slot.stats.msgs_out;
        const total = if (inbound) &slot.stats.bytes_in else &slot.stats.bytes_out;
        _ = @atomicRmw(u64, msgs, .Add, 1, .monotonic);
        _ = @atomicRmw(u64, total, .Add, bytes, .monotonic);
    }

    pub fn stats(self: *const SessionTable, handle: Handle) Error!Stats {
        const slot, const expected = try self.liveSlot(handle);
        var out: Stats = undefined;
        inline for (@typeInfo(Stats).@"struct".fields) |f| {
            @field(out, f.name) = @atomicLoad(u64, &@field(slot.stats, f.name), .acquire);
        }
        if (@atomicLoad(u32, &slot.version, .acquire) != expected) return error.Stale;
        return out;
    }
};
