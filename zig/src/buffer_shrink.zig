//! Shrinking buffer tiers: unmap whole idle slabs, never below a tier's low-water mark.
const std = @import("std");
const bp = @import("buffer_pool.zig");
const BufferPool = bp.BufferPool;

/// Unmaps idle slabs (every buffer free) while each tier keeps at least `low_water`
/// buffers; returns how many slabs were unmapped. Call it from an idle timer.
pub fn shrink(self: *BufferPool) u32 {
    var total: u32 = 0;
    for (0..bp.tier_count) |t| total += shrinkTier(self, @intCast(t));
    return total;
}

fn slabOf(ref: bp.Ref) u32 {
    return bp.decodeRef(ref).slab;
}

fn shrinkTier(self: *BufferPool, t: u32) u32 {
    const tier = &self.tiers[t];
    tier.mutex.lock();
    defer tier.mutex.unlock();
    // Take the whole free list: while we hold it no buffer on it can be handed out, so
    // a slab whose every buffer is on it is idle for certain.
    var head = @atomicLoad(u64, &tier.free_head, .acquire);
    while (true) {
        const empty = ((head >> 32) +% 1) << 32;
        head = @cmpxchgWeak(u64, &tier.free_head, head, empty, .acq_rel, .acquire) orelse break;
    }
    const chain: u32 = @truncate(head);
    var free_per_slab = [_]u32{0} ** bp.max_slabs;
    var cursor = chain;
    while (cursor != 0) : (cursor = self.metaOf(cursor - 1).next) {
        free_per_slab[slabOf(cursor - 1)] += 1;
    }
    var drop = [_]bool{false} ** bp.max_slabs;
    var capacity = @atomicLoad(u32, &tier.capacity, .monotonic);
    var dropped: u32 = 0;
    var s: usize = bp.max_slabs;
    while (s > 0) {
        s -= 1;
        const slab = &tier.slabs[s];
        if (slab.base == 0 or free_per_slab[s] != slab.count) continue;
        if (capacity - slab.count < tier.config.low_water) continue;
        drop[s] = true;
        capacity -= slab.count;
        dropped += 1;
    }
    returnChain(self, tier, chain, &drop);
    for (drop, 0..) |gone, i| {
        if (!gone) continue;
        const slab = &tier.slabs[i];
        std.posix.munmap(BufferPool.slabBytes(tier, slab));
        @atomicStore(usize, &slab.base, 0, .release);
        _ = @atomicRmw(u32, &self.generations[t][i], .Add, 1, .release);
        _ = @atomicRmw(u32, &tier.capacity, .Sub, slab.count, .monotonic);
    }
    _ = @atomicRmw(u32, &tier.shrinks, .Add, dropped, .monotonic);
    return dropped;
}

/// Relinks the kept buffers of `chain` and pushes them back with one CAS.
fn returnChain(
    self: *BufferPool,
    tier: *bp.Tier,
    chain: u32,
    drop: *const [bp.max_slabs]bool,
) void {
    var first: u32 = 0;
    var last: ?bp.Ref = null;
    var cursor = chain;
    while (cursor != 0) {
        const ref = cursor - 1;
        cursor = self.metaOf(ref).next;
        if (drop[slabOf(ref)]) continue;
        if (last) |l| {
            @atomicStore(u32, &self.metaOf(l).next, ref + 1, .monotonic);
        } else first = ref + 1;
        last = ref;
    }
    const tail = last orelse return;
    var head = @atomicLoad(u64, &tier.free_head, .monotonic);
    while (true) {
        @atomicStore(u32, &self.metaOf(tail).next, @truncate(head), .monotonic);
        const new = (((head >> 32) +% 1) << 32) | first;
        head = @cmpxchgWeak(u64, &tier.free_head, head, new, .acq_rel, .monotonic) orelse return;
    }
}
