# shellcheck shell=bash
# Step-through crashes and failures: for each operation that persists something, a power
# cut after persistence event N (an NVM fence, an origin write or flush) for
# N = 0, 1, 2, ... until the operation completes before the cut. At each
# cut the NVM stores not yet fenced are dropped at random (8-byte words).
# After recovery every block must hold its last flushed value or a value
# written after that flush (each write all-old or all-new), checked against
# the block model. Runs on the test build of the module (kmod/fault.c);
# tests/vm/crashloop.py has the operations. NVF_STEP_OPS and
# NVF_FAILNTH_KINDS choose a subset (the debug kernel's CI lane).
# shellcheck source=tests/vm/faultlib.sh
. tests/vm/faultlib.sh

check "the test build with fault hooks replaces the release module" fault_module
STEP_POINTS=0
for op in ${NVF_STEP_OPS:-format recovery commit fua destage reclaim policy}; do
	res=$(crashloop steps "$op" --max "${NVF_STEP_MAX:-300}")
	points=$(result_field "$res" points)
	diag "$op: ${points:-no} cut points, $(result_field "$res" dropped) unfenced words dropped"
	STEP_POINTS=$((STEP_POINTS + ${points:-0}))
	check_eq "$op: each of its cut points recovers every flushed write, none torn" \
		0 "$(result_field "$res" violations)"
	check "$op: it was cut at more than one point" test "${points:-0}" -gt 1
done
diag "step-through: $STEP_POINTS cut points in all"

# The Nth NVM write or read, origin write or flush fails, for every
# NVF_FAILNTH_STRIDE-th N the workload reaches (make check: every 3rd, make
# torture: every one): a clean error, the degraded state latched, and
# after re-creating the device every acknowledged write is there.
for kind in ${NVF_FAILNTH_KINDS:-nvm_write nvm_read origin_write origin_flush}; do
	res=$(crashloop failnth "$kind" --max "${NVF_STEP_MAX:-300}" \
		--stride "${NVF_FAILNTH_STRIDE:-3}")
	points=$(result_field "$res" points)
	diag "fail_$kind: ${points:-no} failure points"
	check_eq "fail_$kind: every Nth failure is clean, latched, and loses nothing acknowledged" \
		0 "$(result_field "$res" violations)"
	check "fail_$kind: failures were injected" test "${points:-0}" -gt 0
done
check "no nvflush device is left" no_device_left
check "the release module is back" release_module
