//! The only file that exports symbols from libmsgtrans. Every export returns a status
//! code or a plain value; the TS symbol table in src/native/symbols.ts mirrors this list.
const std = @import("std");

pub const version_string: [:0]const u8 = "0.1.0";

export fn msgtrans_version() [*:0]const u8 {
    return version_string.ptr;
}

test "version is a C string" {
    try std.testing.expectEqualStrings("0.1.0", std.mem.span(msgtrans_version()));
}
