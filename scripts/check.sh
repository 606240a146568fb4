#!/usr/bin/env bash
# The whole test suite: dependencies, builds, quality gates, unit tests and
# the VM suite on every target kernel. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
passed=0 failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); }
step() { echo; echo "=== $* ($(($(date +%s) - start)) s)"; }

step "dependencies"
scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p build

step "nvflushctl build and unit tests"
if cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo >build/cmake.log 2>&1 &&
	cmake --build build/cmake -j2 >>build/cmake.log 2>&1; then
	ctest --test-dir build/cmake --output-on-failure -j2 | tee build/ctest.log | tail -n 5
	p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' build/ctest.log)
	f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Exception|Timeout|Not Run)' build/ctest.log)
	[ "$p" -gt 0 ] || f=$((f + 1))	# no unit test ran: that is a failure
	add "$p" "$f"
else
	tail -n 40 build/cmake.log
	echo "not ok - nvflushctl builds"
	add 0 1
fi

step "quality gates"
scripts/style.sh
read -r p f <build/style-summary || { p=0 f=1; }
add "$p" "$f"

# The whole VM suite runs on NVF_KERNELS. On the debug kernel (KASAN, UBSAN,
# lockdep, kmemleak; `make check-debug`) it does not fit CI's time: a lane of
# it runs below, NVF_KERNELS="6.1 6.12 debug" runs all of it instead.
# Power cuts never run on it (NVF_CUT_KERNELS: NVF_KERNELS without debug).
kernels=${NVF_KERNELS:-6.1 6.12}
cut_kernels=""
for k in $kernels; do
	[ "$k" = debug ] || cut_kernels+="$k "
done
cut_kernels=${NVF_CUT_KERNELS:-$cut_kernels}

# CI time: 6.1 runs every fault suite at its make-check size; 6.12 runs the
# simulated crashes, the fuzzer and the origin faults smaller (their full
# size there: NVF_VM_FULL=1 make check, or tests/vm/run.sh 6.12).
for k in $kernels; do
	step "VM tests on $k"
	envs=()
	if [ "$k" = 6.12 ] && [ "${NVF_VM_FULL:-0}" != 1 ]; then
		envs=(NVF_STEP_OPS="commit reclaim" NVF_FAILNTH_KINDS="origin_flush nvm_read"
			NVF_CRASH_IMAGES=4 NVF_FUZZ_MSGS=20000 NVF_FAULT_LOOPS=1)
	fi
	env ${envs[@]+"${envs[@]}"} tests/vm/run.sh "$k"
	read -r p f <"build/vm/test-$k/summary" 2>/dev/null || { p=0 f=1; }
	add "$p" "$f"
done

# The debug kernel's lane in make check: the suites that load and unload
# the module, the KUnit suites, and the fault suites, at the smaller sizes
# tests/vm/run.sh gives them on a KASAN kernel (the whole suite on it is
# `make check-debug`; see Documentation/testing.md for the times); about
# 20 min. NVF_DEBUG_LANE=0 leaves it out.
debug_suites=(t10 t12 t91 t92 t94 t96 t97 t98 t99)
if [ "${NVF_DEBUG_LANE:-1}" = 1 ] && [[ " $kernels " != *" debug "* ]]; then
	step "VM tests on debug (${debug_suites[*]})"
	tests/vm/run.sh debug "${debug_suites[@]}"
	sum=build/vm/test-debug-$(IFS=-; echo "${debug_suites[*]}")/summary
	read -r p f <"$sum" 2>/dev/null || { p=0 f=1; }
	add "$p" "$f"
fi

for k in $cut_kernels; do
	step "power cuts on $k"
	tests/powercut/run.sh "$k" "${NVF_CUTS:-10}"
	read -r p f <"build/vm/powercut-$k/summary" 2>/dev/null || { p=0 f=1; }
	add "$p" "$f"
done

step "done in $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
