const std = @import("std");

// Builds libmsgtrans (ReleaseFast unless -Doptimize says otherwise) from src/lib.zig,
// the only file that exports symbols. `zig build test` runs every inline test.
pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.option(
        std.builtin.OptimizeMode,
        "optimize",
        "Optimization mode (default ReleaseFast)",
    ) orelse .ReleaseFast;

    const lib_mod = b.createModule(.{
        .root_source_file = b.path("src/lib.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
    });
    const lib = b.addLibrary(.{ .name = "msgtrans", .linkage = .dynamic, .root_module = lib_mod });
    b.installArtifact(lib);

    const test_optimize = b.option(
        std.builtin.OptimizeMode,
        "test-optimize",
        "Tests (default Debug)",
    ) orelse .Debug;
    const test_mod = b.createModule(.{
        .root_source_file = b.path("src/lib.zig"),
        .target = target,
        .optimize = test_optimize,
        .link_libc = true,
    });
    const tests = b.addTest(.{ .root_module = test_mod });
    const run_tests = b.addRunArtifact(tests);
    const test_step = b.step("test", "Run the Zig tests");
    test_step.dependOn(&run_tests.step);

    // Benchmarks: `zig build bench -- [--tiny] [--out ../bench/results]` (ReleaseFast);
    // their tiny mode also runs as a test so they never rot.
    const bench_step = b.step("bench", "Run the native micro-benchmarks");
    const bench_exe = b.addExecutable(.{
        .name = "msgtrans-bench",
        .root_module = benchModule(b, target, .ReleaseFast),
    });
    const run_bench = b.addRunArtifact(bench_exe);
    if (b.args) |args| run_bench.addArgs(args);
    bench_step.dependOn(&run_bench.step);
    const bench_tests = b.addTest(.{ .root_module = benchModule(b, target, .Debug) });
    test_step.dependOn(&b.addRunArtifact(bench_tests).step);
}

fn benchModule(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
) *std.Build.Module {
    const core = b.createModule(.{
        .root_source_file = b.path("src/core.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
    });
    return b.createModule(.{
        .root_source_file = b.path("bench/main.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "core", .module = core }},
    });
}
