#!/usr/bin/env bash
# Quality gates, one TAP line each: checkpatch --strict, sparse and W=1 on
# every target kernel, kernel-doc, UAPI header == spec, clang-format.
# Exits non-zero if any gate fails.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(scripts/linux-src.sh) || exit 1
n=0 fail=0
gate() { # DESC CMD...
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		fail=$((fail + 1))
		echo "not ok $n - $desc"
		printf '%s\n' "$out" | head -n 40 | sed 's/^/# /'
	fi
}

checkpatch() {
	local out
	out=$(perl "$src/scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types -f kmod/*.c kmod/*.h 2>&1 | grep -E 'ERROR|WARNING|CHECK')
	[ -z "$out" ] || { echo "$out"; return 1; }
}
kerneldoc() {
	local out
	out=$(perl "$src/scripts/kernel-doc" -none -Wall kmod/*.c kmod/*.h 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}
sparse_w1() { # VERSION: rebuild everything with sparse; any output fails
	local out
	touch kmod/*.c
	# the release build and the test build with the fault hooks
	out=$(scripts/build-kmod.sh "$1" C=2 CF=-D__CHECK_ENDIAN__ 2>&1 &&
		scripts/build-kmod.sh --fault "$1" C=2 CF=-D__CHECK_ENDIAN__ 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}
sparse_kunit() { # VERSION (a kernel with KUnit): nvflush_kunit.ko as well
	local out
	touch kmod/*.c
	out=$(scripts/build-kmod.sh "$1" C=2 CF=-D__CHECK_ENDIAN__ 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
	test -f "build/kmod/$1/nvflush_kunit.ko"
}
uapi() {
	scripts/gen-uapi.sh build/nvflush-uapi.h >/dev/null &&
		diff -u kmod/uapi/linux/nvflush.h build/nvflush-uapi.h
}
cxxformat() {
	find ctl tests/unit tests/fuzz -name '*.cpp' -o -name '*.hpp' -o -name '*.h' | xargs clang-format --dry-run -Werror
}

gate "checkpatch --strict clean" checkpatch
gate "kernel-doc clean" kerneldoc
while read -r _ ver; do
	gate "W=1 and sparse clean on $ver" sparse_w1 "$ver"
done < <(scripts/kernels.sh | grep -v '^debug')
# The KUnit tests (kmod/*_kunit.c) build only against the debug kernel.
while read -r _ ver; do
	gate "W=1 and sparse clean on $ver, KUnit tests included" sparse_kunit "$ver"
done < <(scripts/kernels.sh | grep '^debug')
gate "UAPI header generated from the netlink spec is up to date" uapi
gate "clang-format clean (ctl/, tests/unit/, tests/fuzz/)" cxxformat
echo "1..$n"
echo "$((n - fail)) $fail" >build/style-summary
[ "$fail" -eq 0 ]
