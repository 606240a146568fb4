#!/usr/bin/env bash
# Build the module for one kernel into build/kmod/VERSION/ (sources are
# symlinked there, so every kernel gets its own objects).
# Usage: build-kmod.sh [--fault] VERSION [extra kbuild arguments, e.g. C=2]
#   --fault: the test build with the fault-injection hooks (kmod/fault.c),
#            into build/kmod/VERSION-fault/
set -euo pipefail
cd "$(dirname "$0")/.."
variant=() suffix=""
if [ "${1:-}" = --fault ]; then
	variant=(NVF_FAULT=1) suffix=-fault
	shift
fi
ver=${1:?usage: build-kmod.sh [--fault] VERSION [KBUILD_ARGS...]}
shift
kdir=/lib/modules/$ver/build
if [ ! -d "$kdir" ]; then
	echo "build-kmod: no build tree for $ver at $kdir (run scripts/deps.sh)" >&2
	exit 1
fi
out=build/kmod/$ver$suffix
mkdir -p "$out"
# One build per folder at a time (several test runs may build at once).
exec 9>"$out.lock"
flock 9
for f in kmod/*; do
	ln -sfn "$PWD/$f" "$out/"
done
# Kbuild is warnings-as-errors (ccflags -Werror) and W=1 clean.
make -s -C "$kdir" M="$PWD/$out" W=1 ${variant[@]+"${variant[@]}"} "$@" modules 2>&1 |
	{ grep -v 'Skipping BTF generation' || true; }
test "${PIPESTATUS[0]}" -eq 0
test -f "$out/nvflush.ko"
