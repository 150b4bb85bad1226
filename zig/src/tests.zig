//! Every test of the core, pulled in by lib.zig's test block.
test {
    _ = @import("status.zig");
    _ = @import("export_support.zig");
    _ = @import("registry.zig");
    _ = @import("session_table.zig");
    _ = @import("session_table_test.zig");
    _ = @import("session_table_owner_test.zig");
    _ = @import("buffer_pool.zig");
    _ = @import("buffer_pool_test.zig");
    _ = @import("buffer_holders.zig");
    _ = @import("buffer_holders_test.zig");
    _ = @import("numa.zig");
    _ = @import("numa_test.zig");
    _ = @import("queue.zig");
    _ = @import("queue_test.zig");
    _ = @import("metrics.zig");
}
