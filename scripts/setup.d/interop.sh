#!/usr/bin/env bash
# Builds the Rust interop peer (test/interop, msgtrans pinned in its Cargo.toml) twice:
# default features -> interop, features "compress" (msgtrans flate2+zstd) -> interop-compress,
# into ${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-interop/<key>/, where <key> hashes
# Cargo.toml, Cargo.lock and src/*.rs the same way test/interop/bin.ts does.
# Silent and instant when both binaries exist; prints the cargo log tail on failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
project="$root/test/interop"

interop_key() {
  (cd "$project" && for f in Cargo.toml Cargo.lock $(LC_ALL=C ls src/*.rs); do
    printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}

cache="${XDG_CACHE_HOME:-$HOME/.cache}/msgtrans-interop"
out="$cache/$(interop_key)"
[ -x "$out/interop" ] && [ -x "$out/interop-compress" ] && exit 0

command -v cargo >/dev/null || { echo "interop: cargo not found (Rust toolchain needed)" >&2; exit 1; }
mkdir -p "$out"
exec 9>"$cache/build.lock"
flock 9
# Another run may have finished the build while we waited for the lock.
[ -x "$out/interop" ] && [ -x "$out/interop-compress" ] && exit 0

export CARGO_TARGET_DIR="$cache/target"
log="$cache/build.log"
build() { # $1 = binary name, rest = cargo flags
  local name="$1"; shift
  if ! cargo build --release --locked -j2 --manifest-path "$project/Cargo.toml" "$@" >"$log" 2>&1; then
    echo "interop: cargo build $* failed:" >&2; tail -n 40 "$log" >&2; exit 1
  fi
  cp "$CARGO_TARGET_DIR/release/interop" "$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name"
}
start=$SECONDS
build interop
build interop-compress --features compress
# Binaries of older sources are dead weight: keep only this key (and the cargo target dir).
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name target ! -name "$(basename "$out")" -exec rm -rf {} +
echo "interop: built Rust peers in $((SECONDS - start)) s -> $out" >&2
