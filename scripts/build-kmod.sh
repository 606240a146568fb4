#!/usr/bin/env bash
# Build the module for one kernel into build/kmod/VERSION/ (sources are
# symlinked there, so every kernel gets its own objects).
# Usage: build-kmod.sh VERSION [extra kbuild arguments, e.g. C=2]
set -euo pipefail
cd "$(dirname "$0")/.."
ver=${1:?usage: build-kmod.sh VERSION [KBUILD_ARGS...]}
shift
kdir=/lib/modules/$ver/build
if [ ! -d "$kdir" ]; then
	echo "build-kmod: no build tree for $ver at $kdir (run scripts/deps.sh)" >&2
	exit 1
fi
out=build/kmod/$ver
mkdir -p "$out"
for f in kmod/*; do
	ln -sfn "$PWD/$f" "$out/"
done
# Kbuild is warnings-as-errors (ccflags -Werror) and W=1 clean.
make -s -C "$kdir" M="$PWD/$out" W=1 "$@" modules 2>&1 |
	{ grep -v 'Skipping BTF generation' || true; }
test "${PIPESTATUS[0]}" -eq 0
test -f "$out/nvflush.ko"
