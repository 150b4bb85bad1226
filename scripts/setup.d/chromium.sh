#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/e2e/browser*.test.ts), which drive it
# through playwright-core with executablePath /usr/bin/chromium. Silent and instant when present.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
exec 9>"${TMPDIR:-/tmp}/msgtrans-chromium.lock"
flock 9
command -v chromium >/dev/null 2>&1 && exit 0
log="$(mktemp)"
if ! { $sudo apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "chromium: apt-get install failed:" >&2; tail -n 30 "$log" >&2; exit 1
fi
rm -f "$log"
