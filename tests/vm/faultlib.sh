# shellcheck shell=bash
# Helpers of the simulated-crash suites (t91_steps.sh, t92_storeloss.sh):
# the test build of the module with its fault hooks (debugfs nvflush/fault,
# see kmod/fault.c); tests/vm/crashloop.py drives the cuts.

FAULT=/sys/kernel/debug/nvflush/fault
FAULT_KO=${NVF_FAULT_KO:-build/kmod/$NVF_KVER-fault/nvflush.ko}	# another test build may be given

# fault_module: replace the loaded module by the test build (no device may
# exist).
fault_module() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	rmmod nvflush && insmod "$FAULT_KO" && test -d "$FAULT"
}

# release_module: back to the release build.
release_module() {
	rmmod nvflush && insmod "$NVF_KO" && test ! -e "$FAULT"
}

# crashloop ARGS...: run tests/vm/crashloop.py; its output goes to the log
# as diagnostics; prints the numbers of its RESULT line ("points P
# violations V events E dropped D") and fails if it has none.
crashloop() {
	local out
	out=$(python3 tests/vm/crashloop.py "$@" 2>&1)
	printf '%s\n' "$out" | grep -v '^RESULT' | head -n 20 | sed 's/^/# /' >&2
	grep -m1 '^RESULT' <<<"$out" | cut -d' ' -f2- | grep .
}

# result_field RESULT NAME: one number of a crashloop RESULT.
result_field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }

no_device_left() { ! ls /sys/block | grep -q nvflush; }
