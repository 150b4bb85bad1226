#!/usr/bin/env bash
# The main job: bootstrap, then start the chat example and run a short client session.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
source "$root/scripts/env.sh"
cd "$root"
exec bun examples/chat/demo.ts
