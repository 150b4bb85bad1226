//! Status codes that cross the FFI boundary. Every Zig error the core can raise is in
//! `Error`, and `fromError` is the one exhaustive mapping to a code: adding an error
//! without a code is a compile error. Codes are negative so exports that return a value
//! (a handle, a count) can return `-code` style failures in the same integer.
const std = @import("std");

/// Mirrored by `Status` in src/native/symbols.ts (a Bun test compares both lists).
pub const Status = enum(i32) {
    ok = 0,
    not_found = -1,
    stale = -2,
    full = -3,
    invalid_argument = -4,
    out_of_memory = -5,
    kernel_refused = -6,
    empty = -7,
    io = -8,
    unsupported = -9,
};

/// Every failure any structure in the core reports.
pub const Error = error{
    NotFound,
    Stale,
    Full,
    InvalidArgument,
    OutOfMemory,
    KernelRefused,
    Empty,
    Io,
    Unsupported,
};

/// The one error → status mapping used by every export in lib.zig.
pub fn fromError(err: Error) Status {
    return switch (err) {
        error.NotFound => .not_found,
        error.Stale => .stale,
        error.Full => .full,
        error.InvalidArgument => .invalid_argument,
        error.OutOfMemory => .out_of_memory,
        error.KernelRefused => .kernel_refused,
        error.Empty => .empty,
        error.Io => .io,
        error.Unsupported => .unsupported,
    };
}

/// Status code of a `!void` result.
pub fn code(result: Error!void) i32 {
    result catch |err| return @intFromEnum(fromError(err));
    return @intFromEnum(Status.ok);
}

/// Stable lowercase name of a code, for error messages on the TS side.
pub fn name(value: i32) [:0]const u8 {
    inline for (@typeInfo(Status).@"enum".fields) |field| {
        if (field.value == value) return field.name;
    }
    return "unknown";
}

test "every error maps to a distinct non-zero status" {
    var seen = std.AutoHashMap(i32, void).init(std.testing.allocator);
    defer seen.deinit();
    inline for (@typeInfo(Error).error_set.?) |e| {
        const s = @intFromEnum(fromError(@field(Error, e.name)));
        try std.testing.expect(s < 0);
        try std.testing.expect(!seen.contains(s));
        try seen.put(s, {});
    }
    try std.testing.expectEqualStrings("stale", name(-2));
    try std.testing.expectEqualStrings("unknown", name(99));
    try std.testing.expectEqual(@as(i32, -3), code(error.Full));
}
