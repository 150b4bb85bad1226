//! Native micro-benchmarks: `zig build bench -- [--tiny] [--out DIR]`. Writes
//! native-zig.json and native-zig.md to DIR (e.g. ../bench/results) when given.
const std = @import("std");
const core = @import("core");
const tb = @import("table_bench.zig");

pub const Row = struct {
    name: []const u8,
    threads: u32,
    ours_mops: f64,
    baseline_mops: f64,
    ratio: f64,
};

pub const PoolRow = struct { name: []const u8, ns_per_op: f64 };

pub const Report = struct {
    tiny: bool,
    table: [6]Row,
    pool: [4]PoolRow,
};

/// acquire+release of `size`; `holder` accounts the thread as a holder (a cluster worker).
fn poolNs(size: u32, ops: u64, holder: bool) !f64 {
    var pool = try core.buffer_pool.BufferPool.init(std.heap.page_allocator, .{});
    defer pool.deinit();
    if (holder) try pool.setHolder(0);
    defer pool.setHolder(core.buffer_holders.no_holder) catch unreachable;
    var timer = try std.time.Timer.start();
    var i: u64 = 0;
    while (i < ops) : (i += 1) {
        const ref = try pool.acquire(size);
        _ = try pool.release(ref);
    }
    return @as(f64, @floatFromInt(timer.read())) / @as(f64, @floatFromInt(ops));
}

/// Runs every benchmark; `tiny` keeps it to milliseconds (used by `zig build test`).
pub fn run(tiny: bool) !Report {
    const ops: u64 = if (tiny) 20_000 else 2_000_000;
    const reps: usize = if (tiny) 1 else 5;
    var report: Report = .{ .tiny = tiny, .table = undefined, .pool = undefined };
    const workloads = [_]tb.Workload{ .read_heavy, .exchange, .rapid_grow };
    var r: usize = 0;
    for (workloads) |w| {
        for ([_]u32{ 1, 2 }) |threads| {
            const grow_ops = if (w == .rapid_grow) ops / 4 else ops;
            // Best of `reps`, alternating, so a noisy neighbour hurts both sides alike.
            var ours: f64 = 0;
            var base: f64 = 0;
            for (0..reps) |_| {
                ours = @max(ours, try tb.measure(tb.LockFree, w, threads, grow_ops));
                base = @max(base, try tb.measure(tb.MutexMap, w, threads, grow_ops));
            }
            report.table[r] = .{
                .name = @tagName(w),
                .threads = threads,
                .ours_mops = ours,
                .baseline_mops = base,
                .ratio = ours / base,
            };
            r += 1;
        }
    }
    const sizes = [_]u32{ 1024, 64 << 10, 1 << 20, 1024 };
    const names = [_][]const u8{
        "acquire+release 1 KiB",
        "acquire+release 64 KiB",
        "acquire+release 1 MiB",
        "acquire+release 1 KiB, thread is a holder",
    };
    for (sizes, names, 0..) |size, name, i| {
        const ns = try poolNs(size, ops, i == 3);
        report.pool[i] = .{ .name = name, .ns_per_op = ns };
    }
    return report;
}

fn writeMarkdown(report: Report, w: *std.Io.Writer) !void {
    try w.print("# Native core (Zig) benchmarks{s}\n\n", .{if (report.tiny) " (tiny)" else ""});
    try w.writeAll("Session table vs mutex-guarded std.AutoHashMap, same run, best of 5 ");
    try w.writeAll("(M ops/s summed over threads).\n\n");
    try w.writeAll("| workload | threads | lock-free | mutex map | ratio |\n");
    try w.writeAll("|---|---|---|---|---|\n");
    for (report.table) |row| {
        try w.print("| {s} | {d} | {d:.1} | {d:.1} | {d:.2}x |\n", .{
            row.name, row.threads, row.ours_mops, row.baseline_mops, row.ratio,
        });
    }
    try w.writeAll("\n| buffer pool | ns/op |\n|---|---|\n");
    for (report.pool) |row| try w.print("| {s} | {d:.1} |\n", .{ row.name, row.ns_per_op });
}

pub fn main() !void {
    var args = try std.process.argsWithAllocator(std.heap.page_allocator);
    defer args.deinit();
    var tiny = false;
    var out: ?[]const u8 = null;
    _ = args.skip();
    while (args.next()) |arg| {
        if (std.mem.eql(u8, arg, "--tiny")) tiny = true;
        if (std.mem.eql(u8, arg, "--out")) out = args.next();
    }
    const report = try run(tiny);
    var buf: [8192]u8 = undefined;
    var md: std.Io.Writer = .fixed(&buf);
    try writeMarkdown(report, &md);
    std.debug.print("{s}", .{md.buffered()});
    const dir_path = out orelse return;
    var dir = try std.fs.cwd().makeOpenPath(dir_path, .{});
    defer dir.close();
    try dir.writeFile(.{ .sub_path = "native-zig.md", .data = md.buffered() });
    var json_buf: [8192]u8 = undefined;
    var json: std.Io.Writer = .fixed(&json_buf);
    try std.json.Stringify.value(report, .{ .whitespace = .indent_2 }, &json);
    try dir.writeFile(.{ .sub_path = "native-zig.json", .data = json.buffered() });
}

test "benchmarks run in tiny mode and report sane numbers" {
    const report = try run(true);
    for (report.table) |row| {
        try std.testing.expect(row.ours_mops > 0 and row.baseline_mops > 0);
    }
    for (report.pool) |row| try std.testing.expect(row.ns_per_op > 0);
    var buf: [8192]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    try writeMarkdown(report, &w);
    try std.testing.expect(std.mem.indexOf(u8, w.buffered(), "read_heavy") != null);
}
