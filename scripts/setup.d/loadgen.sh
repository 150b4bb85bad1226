#!/usr/bin/env bash
# Builds the Rust load generator (bench/loadgen) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-loadgen/<key>/msgtrans-loadgen, where <key> hashes
# Cargo.toml, Cargo.lock and src/*.rs the same way bench/loadgen/bin.ts does.
# Silent and instant when the binary exists; prints the cargo log tail on failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="$root/bench/loadgen"

loadgen_key() {
  (cd "$project" && for f in Cargo.toml Cargo.lock $(LC_ALL=C ls src/*.rs); do
    printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}

cache="${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-loadgen"
out="$cache/$(loadgen_key)"
[ -x "$out/msgtrans-loadgen" ] && exit 0

command -v cargo >/dev/null || { echo "loadgen: cargo not found (Rust toolchain needed)" >&2; exit 1; }
mkdir -p "$out"
exec 9>"$cache/build.lock"
flock 9
# Another run may have finished the build while we waited for the lock.
[ -x "$out/msgtrans-loadgen" ] && exit 0

export CARGO_TARGET_DIR="$cache/target"
log="$cache/build.log"
start=$SECONDS
if ! cargo build --release --locked -j2 --manifest-path "$project/Cargo.toml" >"$log" 2>&1; then
  echo "loadgen: cargo build failed:" >&2; tail -n 40 "$log" >&2; exit 1
fi
cp "$CARGO_TARGET_DIR/release/msgtrans-loadgen" "$out/msgtrans-loadgen.tmp"
mv "$out/msgtrans-loadgen.tmp" "$out/msgtrans-loadgen"
# Binaries of older sources are dead weight: keep only this key (and the cargo target dir).
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name target ! -name "$(basename "$out")" -exec rm -rf {} +
echo "loadgen: built in $((SECONDS - start)) s -> $out" >&2
