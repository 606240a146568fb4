#!/usr/bin/env bash
# Run the VM test suite on one kernel and print its TAP output.
# Usage: tests/vm/run.sh KERNEL [SUITE...]
#   KERNEL: 6.1 | 6.12 | debug | a full version
#   SUITE:  name prefixes of tests/vm/t*.sh to run (default: all), e.g.
#           tests/vm/run.sh 6.1 t10 t30 t60
# Writes build/vm/test-KERNEL/{guest.log,serial.log,summary}; summary holds
# "PASSED FAILED". Exits non-zero if any test failed or the VM failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: tests/vm/run.sh KERNEL [SUITE...]}
shift
suites=$(
	IFS=,
	echo "$*"
)
ver=$(scripts/kernels.sh | awk -v n="$name" '$1 == n { print $2 }')
[ -n "$ver" ] || ver=$name
# A subset runs in its own folders, so that runs of different subsets on
# one machine do not share disks: build/vm/test-KERNEL[-SUITES].
tag=$name${suites:+-${suites//,/-}}
out=$PWD/build/vm/test-$tag
img=$PWD/build/vm/img-$tag
rm -rf "$out" "$img"
mkdir -p "$out" "$img"
summary() { echo "$1 $2" >"$out/summary"; }
if [ ! -e "/boot/vmlinuz-$ver" ]; then
	echo "not ok 1 - kernel $name is not installed (run scripts/deps.sh)"
	summary 0 1
	exit 1
fi

if ! scripts/build-kmod.sh "$ver"; then
	echo "not ok 1 - module builds for $ver"
	summary 0 1
	exit 1
fi
# The test build with the fault hooks, for the simulated-crash suites.
if ! scripts/build-kmod.sh --fault "$ver"; then
	echo "not ok 1 - the module's fault-injection build builds for $ver"
	summary 0 1
	exit 1
fi
# The kernel's YNL client for t35_ynl.sh (extracted once).
if ! scripts/linux-src.sh >/dev/null; then
	echo "not ok 1 - the kernel's YNL client is extracted (scripts/linux-src.sh)"
	summary 0 1
	exit 1
fi
ctl=${NVF_CTL_BIN:-$PWD/build/cmake/ctl/nvflushctl}	# a test may pick another build
if [ ! -x "$ctl" ]; then
	echo "not ok 1 - nvflushctl is built ($ctl)"
	summary 0 1
	exit 1
fi

# A KASAN kernel (the debug kernel) runs the suite many times slower than
# 6.12: 61 min for the whole suite (482 checks) next to one other VM
# (Documentation/testing.md).
# There the fault suites default to smaller sizes (a variable that is set,
# e.g. by make torture-*, wins): t91 the commit step-through and every 6th
# origin-write failure, t92 4 crash images, t93 1 round, t96 10,000
# messages, t98 1 loop.
timeout_s=1200
if grep -q '^CONFIG_KASAN=y' "/boot/config-$ver" 2>/dev/null; then
	timeout_s=7200
	: "${NVF_STEP_OPS:=commit}" "${NVF_FAILNTH_KINDS:=origin_write}"
	: "${NVF_FAILNTH_STRIDE:=6}" "${NVF_CRASH_IMAGES:=4}" "${NVF_FAULT_LOOPS:=1}"
	: "${NVF_FUZZ_MSGS:=10000}" "${NVF_LIFECYCLE_LOOPS:=1}"
fi

# Loop counts and seeds of the fault suites (make torture sets them high).
tunables=()
for v in NVF_FAULT_KO NVF_FAILNTH_STRIDE NVF_FAILNTH_KINDS NVF_STEP_OPS \
	NVF_STEP_MAX NVF_CRASH_IMAGES NVF_CRASH_SEED NVF_FUZZ_MSGS NVF_FUZZ_SEED \
	NVF_FAULT_LOOPS NVF_LIFECYCLE_LOOPS; do
	[ -n "${!v:-}" ] && tunables+=(--env "$v=${!v}")
done
timeout_s=${NVF_VM_TIMEOUT:-$timeout_s}

start=$(date +%s)
scripts/vm/run.sh --kernel "$ver" --out "$out" --timeout "$timeout_s" \
	--nvdimm "$img/nvm0.img:256M" --nvdimm "$img/nvm1.img:32M" \
	--disk "$img/origin.img:256M" --disk "$img/spare.img:64M" \
	--env NVF_KVER="$ver" --env NVF_CTL="$ctl" --env NVF_TESTS="$suites" \
	${tunables[@]+"${tunables[@]}"} -- tests/vm/guest.sh
vm_rc=$?
echo "# VM suite on $ver took $(($(date +%s) - start)) s"

log=$out/guest.log
passed=$(grep -c '^ok ' "$log" 2>/dev/null)
failed=$(grep -c '^not ok ' "$log" 2>/dev/null)
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" 2>/dev/null | tail -n 1)
# A VM that failed (crash, panic, timeout, kernel warning) or a suite that
# stopped before its plan counts as one more failure.
if [ "$vm_rc" -ne 0 ] && [ "$failed" -eq 0 ] || [ -z "$planned" ]; then
	echo "not ok - VM run on $ver (runner exit status $vm_rc, plan ${planned:-missing})"
	failed=$((failed + 1))
fi
summary "$passed" "$failed"
[ "$failed" -eq 0 ]
