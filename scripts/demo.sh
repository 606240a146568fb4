#!/usr/bin/env bash
# The nvflush demo: boots Debian's 6.1 kernel under qemu with an emulated
# NVDIMM and a virtio disk, creates /dev/nvflush0 over them, writes from two
# cgroups through ext4 and prints the per-cgroup statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh >/dev/null
ver=$(scripts/kernels.sh | awk '$1 == "6.1" { print $2 }')
[ -n "$ver" ] || { echo "demo: Debian's 6.1 kernel is not installed" >&2; exit 1; }
echo "demo: building the module for $ver and nvflushctl"
scripts/build-kmod.sh "$ver"
cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/cmake -j2 >/dev/null
out=$PWD/build/vm/demo
rm -rf "$out" && mkdir -p "$out"
echo "demo: booting $ver (qemu, software emulation)"
scripts/vm/run.sh --kernel "$ver" --out "$out" --timeout 600 \
	--nvdimm "$out/nvm.img:256M" --disk "$out/origin.img:512M" \
	--env NVF_KO="build/kmod/$ver/nvflush.ko" \
	--env NVF_CTL="$PWD/build/cmake/ctl/nvflushctl" \
	-- scripts/demo-guest.sh
