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
if [ ! -e "/boot/vmlinuz-$ver" ]; then
	echo "not ok 1 - kernel $name is not installed (run scripts/deps.sh)"
	echo "0 1" >"build/vm/summary-$name" 2>/dev/null
	exit 1
fi
out=$PWD/build/vm/test-$name
img=$PWD/build/vm/img-$name
rm -rf "$out" "$img"
mkdir -p "$out" "$img"
summary() { echo "$1 $2" >"$out/summary"; }

if ! scripts/build-kmod.sh "$ver"; then
	echo "not ok 1 - module builds for $ver"
	summary 0 1
	exit 1
fi
ctl=${NVF_CTL_BIN:-$PWD/build/cmake/ctl/nvflushctl}	# a test may pick another build
if [ ! -x "$ctl" ]; then
	echo "not ok 1 - nvflushctl is built ($ctl)"
	summary 0 1
	exit 1
fi

start=$(date +%s)
scripts/vm/run.sh --kernel "$ver" --out "$out" --timeout 1200 \
	--nvdimm "$img/nvm0.img:256M" --nvdimm "$img/nvm1.img:32M" \
	--disk "$img/origin.img:256M" --disk "$img/spare.img:64M" \
	--env NVF_KVER="$ver" --env NVF_CTL="$ctl" --env NVF_TESTS="$suites" \
	-- tests/vm/guest.sh
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
