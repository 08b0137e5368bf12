#!/usr/bin/env bash
# Installs what Hob needs on Debian 12 and builds it. Safe to run again: it only installs what
# is missing. Used by both README commands (run.sh and test.sh) and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "hob: the set-up installs packages and the server manages containers and mounts; run it as root (sudo)" >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "hob: Node.js 20 or newer is required (found: $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# runc: the container runtime. btrfs-progs: the storage pool (subvolumes, snapshots).
# busybox-static: the tiny image. debootstrap: the debian image. tini: PID 1 in every sprite.
# iproute2, nftables and util-linux (unshare): sprite networking. make, g++, python3: native npm modules (node-pty, better-sqlite3).
packages=(runc btrfs-progs busybox-static debootstrap tini iproute2 nftables util-linux tar gzip make g++ python3 ca-certificates)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "hob: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
ln -sf "$PWD/dist/hob.js" /usr/local/bin/hob
