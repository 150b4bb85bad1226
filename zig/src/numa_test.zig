//! NUMA: fake sysfs trees, pinning and mbind on this machine's node 0.
const std = @import("std");
const numa = @import("numa.zig");

fn writeNode(dir: std.fs.Dir, id: u32, cpulist: []const u8, distance: []const u8) !void {
    var name: [64]u8 = undefined;
    const base = try std.fmt.bufPrint(&name, "devices/system/node/node{d}", .{id});
    try dir.makePath(base);
    var sub = try dir.openDir(base, .{});
    defer sub.close();
    try sub.writeFile(.{ .sub_path = "cpulist", .data = cpulist });
    try sub.writeFile(.{ .sub_path = "distance", .data = distance });
}

test "a fake two-node tree is parsed with cpus and distances" {
    var tmp = std.testing.tmpDir(.{});
    defer tmp.cleanup();
    try writeNode(tmp.dir, 1, "4-7,12\n", "21 10\n");
    try writeNode(tmp.dir, 0, "0-3\n", "10 21\n");
    try tmp.dir.makePath("devices/system/node/has_cpu");
    var root_buf: [std.fs.max_path_bytes]u8 = undefined;
    const root = try tmp.dir.realpath(".", &root_buf);
    const topo = try numa.load(root);
    try std.testing.expectEqual(@as(u32, 2), topo.count);
    try std.testing.expectEqual(@as(u32, 0), topo.nodes[0].id);
    try std.testing.expectEqual(@as(usize, 4), topo.nodes[0].cpus.count());
    try std.testing.expect(topo.nodes[1].cpus.isSet(12));
    try std.testing.expectEqual(@as(usize, 5), topo.nodes[1].cpus.count());
    try std.testing.expectEqual(@as(u8, 21), topo.nodes[1].distances[0]);
    var out: [8]numa.Placement = undefined;
    const n = try numa.plan(&topo, 2, &out);
    try std.testing.expectEqual(@as(usize, 4), n);
    try std.testing.expectEqual(numa.Placement{ .worker = 2, .node = 1, .cpu = 4 }, out[2]);
    try std.testing.expectEqual(numa.Placement{ .worker = 3, .node = 1, .cpu = 5 }, out[3]);
    try std.testing.expectError(error.Full, numa.plan(&topo, 5, &out));
}

test "bad cpulist is an Io error, a missing tree is one node with every cpu" {
    try std.testing.expectError(error.Io, numa.parseCpuList("3-1"));
    try std.testing.expectError(error.Io, numa.parseCpuList("x"));
    const topo = try numa.load("/nonexistent-sysfs-root");
    try std.testing.expectEqual(@as(u32, 1), topo.count);
    try std.testing.expectEqual(try std.Thread.getCpuCount(), topo.nodes[0].cpus.count());
}

test "this machine: pin to each cpu of node 0 and bind memory to node 0" {
    const topo = try numa.load("/sys");
    const node0 = topo.find(0).?;
    const before = try numa.currentAffinity();
    defer numa.pinThread(before) catch {};
    var it = node0.cpus.iterator(.{});
    while (it.next()) |cpu| {
        var one = numa.CpuSet.initEmpty();
        one.set(cpu);
        try numa.pinThread(one);
        try std.testing.expectEqual(@as(u32, @intCast(cpu)), try numa.currentCpu());
    }
    const page = std.heap.page_size_min;
    const prot = std.posix.PROT.READ | std.posix.PROT.WRITE;
    const flags: std.posix.MAP = .{ .TYPE = .PRIVATE, .ANONYMOUS = true };
    const mem = try std.posix.mmap(null, 4 * page, prot, flags, -1, 0);
    defer std.posix.munmap(mem);
    try numa.bindMemory(mem, 0);
    @memset(mem, 1);
    try std.testing.expectEqual(@as(u32, 0), try numa.memoryNode(@intFromPtr(mem.ptr) + page));
    try std.testing.expectError(error.KernelRefused, numa.bindMemory(mem, 63));
}
