#!/usr/bin/env bash
# The whole test suite: bootstrap, Zig tests, then Bun tests. Ends with one line
# "N passed, N failed" covering both; exits non-zero if anything failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh || { echo "0 passed, 1 failed"; exit 1; }
source scripts/env.sh
for setup in scripts/setup.d/*.sh; do
  [ -f "$setup" ] || continue
  bash "$setup" || { echo "setup failed: $setup" >&2; echo "0 passed, 1 failed"; exit 1; }
done

log_dir="$(mktemp -d)"
echo "== zig build test" >&2
(cd zig && zig build test --summary all) >"$log_dir/zig.log" 2>&1
zig_rc=$?
cat "$log_dir/zig.log" | tail -n 40 >&2
zig_line="$(grep -Eo '[0-9]+/[0-9]+ tests passed' "$log_dir/zig.log" | tail -n 1)"
if [ -n "$zig_line" ]; then
  zig_pass="${zig_line%%/*}"; rest="${zig_line#*/}"; zig_total="${rest%% *}"
  zig_fail=$((zig_total - zig_pass))
else
  zig_pass=0; zig_fail=1
fi
[ "$zig_rc" -ne 0 ] && [ "$zig_fail" -eq 0 ] && zig_fail=1

echo "== bun test" >&2
bun test "$@" 2>&1 | tee "$log_dir/bun.log" >&2
bun_rc=${PIPESTATUS[0]}
bun_pass="$(grep -Eo '^ *[0-9]+ pass$' "$log_dir/bun.log" | tail -n 1 | tr -dc 0-9)"
bun_fail="$(grep -Eo '^ *[0-9]+ fail$' "$log_dir/bun.log" | tail -n 1 | tr -dc 0-9)"
bun_pass=${bun_pass:-0}; bun_fail=${bun_fail:-0}
[ "$bun_rc" -ne 0 ] && [ "$bun_fail" -eq 0 ] && bun_fail=1

passed=$((zig_pass + bun_pass)); failed=$((zig_fail + bun_fail))
echo "zig: $zig_pass passed, $zig_fail failed; bun: $bun_pass passed, $bun_fail failed" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
