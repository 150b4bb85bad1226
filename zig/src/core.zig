//! The core's structures as one module for benchmarks (no exports here).
pub const status = @import("status.zig");
pub const session_table = @import("session_table.zig");
pub const buffer_pool = @import("buffer_pool.zig");
pub const buffer_holders = @import("buffer_holders.zig");
pub const queue = @import("queue.zig");
pub const metrics = @import("metrics.zig");
