//! Atomic counters and a log-linear latency histogram (1 ns .. ~18 min).
//!
//! Buckets: values below 16 have one bucket each; above, every power of two is split
//! into 16 linear sub-buckets, so a reported percentile is within 1/16 (6.25%) of the
//! true value. Recording is one atomic add per field; a summary reads everything once.
const std = @import("std");
const status = @import("status.zig");
const Error = status.Error;
const assert = std.debug.assert;

pub const sub_bits = 4;
pub const sub_count = 1 << sub_bits;
pub const max_exponent = 40;
pub const bucket_count = sub_count + (max_exponent - sub_bits + 1) * sub_count;
pub const counter_slots = 64;
pub const histogram_slots = 8;

pub fn bucketOf(value: u64) usize {
    if (value < sub_count) return @intCast(value);
    const e: u6 = @intCast(@min(63 - @clz(value), max_exponent));
    if (63 - @clz(value) > max_exponent) return bucket_count - 1;
    const sub = (value >> (e - sub_bits)) & (sub_count - 1);
    return sub_count + (@as(usize, e) - sub_bits) * sub_count + @as(usize, @intCast(sub));
}

/// Largest value that lands in bucket `i`.
pub fn bucketHigh(i: usize) u64 {
    assert(i < bucket_count);
    if (i < sub_count) return i;
    const e: u6 = @intCast((i - sub_count) / sub_count + sub_bits);
    const sub: u64 = (i - sub_count) % sub_count;
    const low = (sub_count + sub) << (e - sub_bits);
    return low + (@as(u64, 1) << (e - sub_bits)) - 1;
}

pub const Summary = extern struct {
    count: u64,
    min: u64,
    max: u64,
    mean: u64,
    p50: u64,
    p90: u64,
    p99: u64,
    p999: u64,
};

pub const Histogram = struct {
    buckets: [bucket_count]u64 = [_]u64{0} ** bucket_count,
    count: u64 = 0,
    sum: u64 = 0,
    min: u64 = std.math.maxInt(u64),
    max: u64 = 0,

    pub fn record(self: *Histogram, value: u64) void {
        _ = @atomicRmw(u64, &self.buckets[bucketOf(value)], .Add, 1, .monotonic);
        _ = @atomicRmw(u64, &self.count, .Add, 1, .monotonic);
        _ = @atomicRmw(u64, &self.sum, .Add, value, .monotonic);
        _ = @atomicRmw(u64, &self.min, .Min, value, .monotonic);
        _ = @atomicRmw(u64, &self.max, .Max, value, .monotonic);
    }

    pub fn reset(self: *Histogram) void {
        for (&self.buckets) |*b| @atomicStore(u64, b, 0, .monotonic);
        @atomicStore(u64, &self.count, 0, .monotonic);
        @atomicStore(u64, &self.sum, 0, .monotonic);
        @atomicStore(u64, &self.min, std.math.maxInt(u64), .monotonic);
        @atomicStore(u64, &self.max, 0, .monotonic);
    }

    /// p50/p90/p99/p99.9 from one pass over a snapshot of the buckets.
    pub fn summary(self: *const Histogram) Summary {
        var snapshot: [bucket_count]u64 = undefined;
        var total: u64 = 0;
        for (&self.buckets, &snapshot) |*b, *s| {
            s.* = @atomicLoad(u64, b, .monotonic);
            total += s.*;
        }
        const max = @atomicLoad(u64, &self.max, .monotonic);
        const min = @atomicLoad(u64, &self.min, .monotonic);
        var out: Summary = .{
            .count = total,
            .min = if (total == 0) 0 else min,
            .max = max,
            .mean = if (total == 0) 0 else @atomicLoad(u64, &self.sum, .monotonic) / total,
            .p50 = 0,
            .p90 = 0,
            .p99 = 0,
            .p999 = 0,
        };
        if (total == 0) return out;
        const ranks = [_]u64{ 500, 900, 990, 999 };
        const fields = [_]*u64{ &out.p50, &out.p90, &out.p99, &out.p999 };
        for (ranks, fields) |per_mille, field| {
            const rank = @max(1, (total * per_mille + 999) / 1000);
            var seen: u64 = 0;
            for (snapshot, 0..) |n, i| {
                seen += n;
                if (seen >= rank) {
                    field.* = @min(bucketHigh(i), max);
                    break;
                }
            }
        }
        return out;
    }
};

/// Process-wide metrics: named counters (indexes agreed with the TS side) and a few
/// histograms.
pub const Metrics = struct {
    counters: [counter_slots]u64 = [_]u64{0} ** counter_slots,
    histograms: [histogram_slots]Histogram = [_]Histogram{.{}} ** histogram_slots,

    pub fn init(_: std.mem.Allocator, _: void) Error!Metrics {
        return .{};
    }

    pub fn deinit(_: *Metrics) void {}

    pub fn add(self: *Metrics, index: u32, delta: u64) Error!void {
        if (index >= counter_slots) return error.InvalidArgument;
        _ = @atomicRmw(u64, &self.counters[index], .Add, delta, .monotonic);
    }

    pub fn readCounters(self: *const Metrics, out: *[counter_slots]u64) void {
        for (&self.counters, out) |*c, *o| o.* = @atomicLoad(u64, c, .monotonic);
    }

    pub fn histogram(self: *Metrics, index: u32) Error!*Histogram {
        if (index >= histogram_slots) return error.InvalidArgument;
        return &self.histograms[index];
    }
};

test "buckets are monotonic and bound values within 1/16" {
    var prev: usize = 0;
    var v: u64 = 0;
    while (v < 1 << 30) : (v = v * 5 / 4 + 1) {
        const b = bucketOf(v);
        try std.testing.expect(b >= prev);
        try std.testing.expect(bucketHigh(b) >= v);
        try std.testing.expect(bucketHigh(b) - v <= v / sub_count + 1);
        prev = b;
    }
    try std.testing.expectEqual(@as(usize, bucket_count - 1), bucketOf(std.math.maxInt(u64)));
}

test "percentiles of a uniform 1..100000 ns distribution" {
    var h: Histogram = .{};
    var i: u64 = 1;
    while (i <= 100_000) : (i += 1) h.record(i);
    const s = h.summary();
    try std.testing.expectEqual(@as(u64, 100_000), s.count);
    try std.testing.expectEqual(@as(u64, 1), s.min);
    try std.testing.expectEqual(@as(u64, 100_000), s.max);
    try std.testing.expectEqual(@as(u64, 50_000), s.mean);
    const want = [_]u64{ 50_000, 90_000, 99_000, 99_900 };
    for (want, [_]u64{ s.p50, s.p90, s.p99, s.p999 }) |w, got| {
        try std.testing.expect(got >= w and got - w <= w / sub_count);
    }
    h.reset();
    try std.testing.expectEqual(@as(u64, 0), h.summary().count);
}
