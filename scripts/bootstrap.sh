#!/usr/bin/env bash
# Installs what is missing (Bun from npm, Zig from PyPI into .tools/) and builds the
# native library when its sources changed. Fast when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/toolchain.env

stamp_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# Bun and the JS dependencies (exact pins in package.json / package-lock.json).
deps_stamp="$(stamp_of package.json package-lock.json)"
if [ ! -x node_modules/.bin/bun ] || [ "$(cat node_modules/.stamp 2>/dev/null)" != "$deps_stamp" ]; then
  echo "bootstrap: npm ci (bun and dependencies)" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error >&2
  else npm install --no-audit --no-fund --loglevel=error >&2; fi
  echo "$deps_stamp" > node_modules/.stamp
fi

# Zig, one exact version, project-local.
zig="$root/.tools/zig/ziglang/zig"
if [ ! -x "$zig" ] || [ "$("$zig" version 2>/dev/null)" != "$ZIG_VERSION" ]; then
  echo "bootstrap: pip install ziglang==$ZIG_VERSION into .tools/zig" >&2
  rm -rf .tools/zig
  python3 -m pip install --quiet --disable-pip-version-check --target .tools/zig "ziglang==$ZIG_VERSION" >&2
fi

# The native library, rebuilt only when zig/ changed.
native_stamp="$(find zig -type f \( -name '*.zig' -o -name '*.zon' \) -not -path '*/.zig-cache/*' -not -path '*/zig-out/*' | sort | xargs cat | sha256sum | cut -c1-16)"
lib="zig/zig-out/lib/libmsgtrans.so"
if [ ! -f "$lib" ] || [ "$(cat zig/zig-out/.stamp 2>/dev/null)" != "$native_stamp" ]; then
  echo "bootstrap: zig build (ReleaseFast)" >&2
  (cd zig && "$zig" build -Doptimize=ReleaseFast >&2)
  echo "$native_stamp" > zig/zig-out/.stamp
fi
