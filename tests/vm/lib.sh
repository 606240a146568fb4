# shellcheck shell=bash
# TAP helpers for the guest-side VM tests. Sourced by guest.sh.
#
# Every check prints one "ok N - desc" or "not ok N - desc" line; the output
# of a failed check follows as "# " comment lines. The plan ("1..N") is
# printed at the end by tap_done.

T_N=0
T_FAIL=0

_tap_result() { # STATUS DESC OUTPUT
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		T_FAIL=$((T_FAIL + 1))
		echo "not ok $T_N - $2"
		[ -n "$3" ] && printf '%s\n' "$3" | tail -n 40 | sed 's/^/# /'
	fi
	return "$1"
}

# check DESC CMD...: passes when CMD exits 0.
check() {
	local desc=$1 out st
	shift
	out=$("$@" 2>&1) && st=0 || st=$?
	_tap_result "$st" "$desc" "$out"
}

# check_fails DESC STATUS MESSAGE CMD...: passes when CMD exits with STATUS
# and its output contains MESSAGE.
check_fails() {
	local desc=$1 want=$2 msg=$3 out st
	shift 3
	out=$("$@" 2>&1) && st=0 || st=$?
	if [ "$st" -eq "$want" ] && grep -qF -- "$msg" <<<"$out"; then
		_tap_result 0 "$desc" ""
	else
		_tap_result 1 "$desc" "exit status $st (wanted $want), wanted message: $msg
$out"
	fi
}

# check_eq DESC WANT GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		_tap_result 0 "$1" ""
	else
		_tap_result 1 "$1" "wanted: $2
got:    $3"
	fi
}

diag() { echo "# $*"; }

# bail MESSAGE: stop the whole suite (the environment is unusable).
bail() {
	echo "Bail out! $*"
	exit 1
}

tap_done() {
	echo "1..$T_N"
	diag "$((T_N - T_FAIL)) passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

# nvflushctl as built by CMake.
nvfctl() { "$NVF_CTL" "$@"; }

# nvm_wipe DEV: zero the superblock of an NVM, so that it reads as blank
# (a destroy keeps committed blocks; a suite that needs a fresh NVM calls
# this before its first create --format)
nvm_wipe() { dd if=/dev/zero of="$1" bs=4k count=1 conv=notrunc status=none; }

# kmemleak_check DESC SAVE [--mention WORD]: on a kernel with kmemleak, two
# scans with a pause (an object is reported once it is older than 5 s and
# unchanged since the previous scan), then one check that
# tests/vm/kmemleak.py counts no leak (with --mention, none naming WORD).
# The whole report goes to SAVE in the run's output folder; the counts are
# printed as a diagnostic. Does nothing on a kernel without kmemleak.
kmemleak_check() {
	local desc=$1 save=$2 out st
	shift 2
	grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "/boot/config-$(uname -r)" 2>/dev/null ||
		return 0
	echo scan >/sys/kernel/debug/kmemleak && sleep 6 &&
		echo scan >/sys/kernel/debug/kmemleak
	out=$(python3 -S tests/vm/kmemleak.py --save "${NVFLUSH_VM_OUT:-.}/$save" "$@" 2>&1) &&
		st=0 || st=$?
	diag "${out##*$'\n'}"
	_tap_result "$st" "$desc" "$out"
}

# stats_field DEV CGROUP_PATH FIELD: one counter of one cgroup (0 if the
# cgroup has no row), from `nvflushctl stats DEV --json`.
stats_field() {
	nvfctl stats "$1" --json | python3 -c '
import json, sys
dev, path, field = sys.argv[1:4]
for d in json.load(sys.stdin)["devices"]:
    if d["name"] != dev:
        continue
    if path == "TOTAL":
        print(d["totals"][field]); break
    rows = [c for c in d["cgroups"] if c["path"] == path]
    print(rows[0][field] if rows else 0); break
else:
    sys.exit("device %s not in stats" % dev)
' "$1" "$2" "$3"
}

# dev_field NAME FIELD: one field of `nvflushctl dev show NAME --json`.
dev_field() {
	nvfctl dev show "$1" --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# small_nvm: the second NVDIMM once t60 made it fsdax (the DAX pmem that is
# not $PMEM), or nothing
small_nvm() {
	local p
	for p in /sys/block/pmem*; do
		[ "$(cat "$p/queue/dax")" = 1 ] && [ "/dev/${p##*/}" != "$PMEM" ] &&
			echo "/dev/${p##*/}"
	done | head -n 1
}

# in_cgroup CGROUP CMD...: run CMD as a member of /sys/fs/cgroup/CGROUP.
in_cgroup() {
	local cg=/sys/fs/cgroup/$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# within_pct GOT WANT PCT: |GOT - WANT| <= WANT * PCT / 100
within_pct() {
	local diff=$(($1 - $2))
	[ "${diff#-}" -le $(($2 * $3 / 100)) ]
}

# Checks may run these in a child bash (bash -c '...').
export -f nvfctl stats_field in_cgroup dev_field
