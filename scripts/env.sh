# Sourced by scripts: puts the project's pinned bun and zig first on PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$root/.tools/zig/ziglang:$PATH"
