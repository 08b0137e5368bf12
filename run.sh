#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts the server with its embedded
# defaults (SQLite, a loop-file btrfs pool in /var/lib/hob, runc). Flags go to `hob serve`.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec node dist/hob.js serve "$@"
