#!/usr/bin/env bash
# Quick benchmark (not a test): in one VM boot, fio 4 KiB random writes with
# an fsync after each write, on ext4 over the same devices as
#   (a) the bare origin, (b) dm-writecache in pmem mode, (c) nvflush.
# The origin is slowed to an SSD-like model with dm-delay (see ORIGIN_MODEL).
# Prints mean, p50 and p99 fsync-write latency and the ratios.
# Usage: scripts/bench-quick.sh [KERNEL (default 6.1)] [SECONDS (default 15)]
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-6.1}
secs=${2:-15}
scripts/deps.sh >/dev/null
ver=$(scripts/kernels.sh | awk -v n="$name" '$1 == n { print $2 }')
[ -n "$ver" ] || ver=$name
scripts/build-kmod.sh "$ver"
cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/cmake -j2 >/dev/null
out=$PWD/build/vm/bench-$name
rm -rf "$out" && mkdir -p "$out"
scripts/vm/run.sh --kernel "$ver" --out "$out" --timeout 1200 \
	--nvdimm "$out/nvm.img:256M" --disk "$out/origin.img:1G" \
	--env NVF_KO="build/kmod/$ver/nvflush.ko" \
	--env NVF_CTL="$PWD/build/cmake/ctl/nvflushctl" --env SECS="$secs" \
	-- scripts/bench-guest.sh
