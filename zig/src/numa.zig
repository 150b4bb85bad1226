//! NUMA topology from sysfs (root overridable so tests can feed fake trees), CPU
//! pinning of the calling thread, binding memory to a node (mbind) and a worker plan.
//! A machine without /sys/devices/system/node is one node 0 holding every CPU.
const std = @import("std");
const status = @import("status.zig");
const Error = status.Error;
const linux = std.os.linux;
const assert = std.debug.assert;

pub const max_nodes = 64;
pub const max_cpus = 1024;
pub const CpuSet = std.StaticBitSet(max_cpus);

pub const Node = struct {
    id: u32,
    cpus: CpuSet,
    /// distances[j] = distance to the j-th node of the topology (10 = local).
    distances: [max_nodes]u8,
};

pub const Topology = struct {
    nodes: [max_nodes]Node = undefined,
    count: u32 = 0,

    pub fn slice(self: *const Topology) []const Node {
        return self.nodes[0..self.count];
    }

    pub fn find(self: *const Topology, id: u32) ?*const Node {
        for (self.slice()) |*n| if (n.id == id) return n;
        return null;
    }
};

/// Parses a kernel cpulist such as "0-3,8,10-11\n".
pub fn parseCpuList(text: []const u8) Error!CpuSet {
    var set = CpuSet.initEmpty();
    var parts = std.mem.tokenizeAny(u8, text, ",\n ");
    while (parts.next()) |part| {
        var ends = std.mem.splitScalar(u8, part, '-');
        const lo = std.fmt.parseInt(u32, ends.first(), 10) catch return error.Io;
        const hi = if (ends.next()) |h| std.fmt.parseInt(u32, h, 10) catch return error.Io else lo;
        if (hi < lo or hi >= max_cpus) return error.Io;
        set.setRangeValue(.{ .start = lo, .end = hi + 1 }, true);
    }
    return set;
}

fn readSmall(dir: std.fs.Dir, path: []const u8, buf: []u8) Error![]const u8 {
    return dir.readFile(path, buf) catch error.Io;
}

/// Reads `<root>/devices/system/node/node*/{cpulist,distance}`.
pub fn load(root: []const u8) Error!Topology {
    var topo: Topology = .{};
    var path_buf: [std.fs.max_path_bytes]u8 = undefined;
    const nodes_path = std.fmt.bufPrint(&path_buf, "{s}/devices/system/node", .{root}) catch
        return error.InvalidArgument;
    var dir = std.fs.cwd().openDir(nodes_path, .{ .iterate = true }) catch
        return singleNode(&topo);
    defer dir.close();
    var it = dir.iterate();
    while (it.next() catch return error.Io) |entry| {
        if (!std.mem.startsWith(u8, entry.name, "node")) continue;
        const id = std.fmt.parseInt(u32, entry.name[4..], 10) catch continue;
        if (topo.count == max_nodes) return error.Full;
        var file_buf: [4096]u8 = undefined;
        var name_buf: [64]u8 = undefined;
        const cpulist_path = std.fmt.bufPrint(&name_buf, "{s}/cpulist", .{entry.name}) catch
            unreachable;
        const node = &topo.nodes[topo.count];
        const cpus = try parseCpuList(try readSmall(dir, cpulist_path, &file_buf));
        node.* = .{ .id = id, .cpus = cpus, .distances = [_]u8{0} ** max_nodes };
        const distance_path = std.fmt.bufPrint(&name_buf, "{s}/distance", .{entry.name}) catch
            unreachable;
        var fields = std.mem.tokenizeAny(u8, try readSmall(dir, distance_path, &file_buf), " \n");
        var j: usize = 0;
        while (fields.next()) |f| : (j += 1) {
            if (j == max_nodes) return error.Io;
            node.distances[j] = std.fmt.parseInt(u8, f, 10) catch return error.Io;
        }
        topo.count += 1;
    }
    if (topo.count == 0) return singleNode(&topo);
    std.mem.sort(Node, topo.nodes[0..topo.count], {}, struct {
        fn less(_: void, a: Node, b: Node) bool {
            return a.id < b.id;
        }
    }.less);
    return topo;
}

fn singleNode(topo: *Topology) Error!Topology {
    var cpus = CpuSet.initEmpty();
    const n = std.Thread.getCpuCount() catch 1;
    cpus.setRangeValue(.{ .start = 0, .end = @min(n, max_cpus) }, true);
    const local = [_]u8{10} ++ [_]u8{0} ** (max_nodes - 1);
    topo.nodes[0] = .{ .id = 0, .cpus = cpus, .distances = local };
    topo.count = 1;
    return topo.*;
}

/// Pins the calling thread to `cpus` and verifies the kernel applied exactly that set.
pub fn pinThread(cpus: CpuSet) Error!void {
    if (cpus.count() == 0) return error.InvalidArgument;
    var set: linux.cpu_set_t = std.mem.zeroes(linux.cpu_set_t);
    var it = cpus.iterator(.{});
    while (it.next()) |cpu| {
        if (cpu >= @sizeOf(linux.cpu_set_t) * 8) return error.InvalidArgument;
        set[cpu / @bitSizeOf(usize)] |= @as(usize, 1) << @intCast(cpu % @bitSizeOf(usize));
    }
    linux.sched_setaffinity(0, &set) catch return error.KernelRefused;
    const applied = try currentAffinity();
    if (!applied.eql(cpus)) return error.KernelRefused;
}

/// CPUs the calling thread may run on.
pub fn currentAffinity() Error!CpuSet {
    var set: linux.cpu_set_t = std.mem.zeroes(linux.cpu_set_t);
    const rc = linux.sched_getaffinity(0, @sizeOf(linux.cpu_set_t), &set);
    if (linux.E.init(rc) != .SUCCESS) return error.KernelRefused;
    var out = CpuSet.initEmpty();
    for (set, 0..) |word, w| {
        var bits = word;
        while (bits != 0) : (bits &= bits - 1) out.set(w * @bitSizeOf(usize) + @ctz(bits));
    }
    return out;
}

/// The CPU the calling thread runs on right now.
pub fn currentCpu() Error!u32 {
    var cpu: usize = 0;
    if (linux.E.init(linux.getcpu(&cpu, null)) != .SUCCESS) return error.Unsupported;
    return @intCast(cpu);
}

const mpol_bind = 2;
const mpol_f_node = 1;
const mpol_f_addr = 2;

/// Binds the pages of `bytes` to `node` (MPOL_BIND). KernelRefused when the kernel says
/// no (e.g. a node it does not have), Unsupported without NUMA syscalls.
pub fn bindMemory(bytes: []align(std.heap.page_size_min) u8, node: u32) Error!void {
    if (node >= max_nodes) return error.InvalidArgument;
    const mask: u64 = @as(u64, 1) << @intCast(node);
    const addr = @intFromPtr(bytes.ptr);
    const mask_ptr = @intFromPtr(&mask);
    const rc = linux.syscall6(.mbind, addr, bytes.len, mpol_bind, mask_ptr, max_nodes + 1, 0);
    return switch (linux.E.init(rc)) {
        .SUCCESS => {},
        .NOSYS => error.Unsupported,
        else => error.KernelRefused,
    };
}

/// Node holding the (touched) page at `addr`, as the kernel reports it.
pub fn memoryNode(addr: usize) Error!u32 {
    var node: i32 = -1;
    const flags = mpol_f_node | mpol_f_addr;
    const rc = linux.syscall5(.get_mempolicy, @intFromPtr(&node), 0, 0, addr, flags);
    return switch (linux.E.init(rc)) {
        .SUCCESS => @intCast(node),
        .NOSYS => error.Unsupported,
        else => error.KernelRefused,
    };
}

pub const Placement = extern struct { worker: u32, node: u32, cpu: u32 };

/// `per_node` workers on every node, each on its own CPU of that node (round robin when
/// a node has fewer CPUs than workers). Returns how many placements were written.
pub fn plan(topo: *const Topology, per_node: u32, out: []Placement) Error!usize {
    if (per_node == 0) return error.InvalidArgument;
    var n: usize = 0;
    for (topo.slice()) |*node| {
        const cpu_count = node.cpus.count();
        if (cpu_count == 0) continue;
        var k: u32 = 0;
        while (k < per_node) : (k += 1) {
            if (n == out.len) return error.Full;
            var it = node.cpus.iterator(.{});
            var cpu = it.next().?;
            var skip = k % cpu_count;
            while (skip > 0) : (skip -= 1) cpu = it.next().?;
            out[n] = .{ .worker = @intCast(n), .node = node.id, .cpu = @intCast(cpu) };
            n += 1;
        }
    }
    assert(n <= out.len);
    return n;
}

/// `{"nodes":[{"id":0,"cpus":[0,1],"distances":[10]}]}`, for the JS side.
pub fn writeJson(topo: *const Topology, w: *std.Io.Writer) std.Io.Writer.Error!void {
    try w.writeAll("{\"nodes\":[");
    for (topo.slice(), 0..) |*node, i| {
        if (i > 0) try w.writeByte(',');
        try w.print("{{\"id\":{d},\"cpus\":[", .{node.id});
        var it = node.cpus.iterator(.{});
        var first = true;
        while (it.next()) |cpu| : (first = false) {
            try w.print("{s}{d}", .{ if (first) "" else ",", cpu });
        }
        try w.writeAll("],\"distances\":[");
        for (node.distances[0..topo.count], 0..) |d, j| {
            try w.print("{s}{d}", .{ if (j == 0) "" else ",", d });
        }
        try w.writeAll("]}");
    }
    try w.writeAll("]}");
}

test "topology json" {
    var topo: Topology = .{};
    var cpus = CpuSet.initEmpty();
    cpus.set(0);
    cpus.set(3);
    topo.nodes[0] = .{ .id = 0, .cpus = cpus, .distances = [_]u8{10} ++ [_]u8{0} ** 63 };
    topo.count = 1;
    var buf: [128]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    try writeJson(&topo, &w);
    const want = "{\"nodes\":[{\"id\":0,\"cpus\":[0,3],\"distances\":[10]}]}";
    try std.testing.expectEqualStrings(want, w.buffered());
}
