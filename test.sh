#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole suite (unit,
# integration on real runc and btrfs, security, and the @fly/sprites compatibility suite).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec npm test -- "$@"
