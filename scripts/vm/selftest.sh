#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted $ are meant for the guest
# Self-test of the VM test bed: boots each kernel and checks what the tests
# rely on. Prints TAP; exits non-zero if anything failed.
#
#   scripts/vm/selftest.sh [KERNEL...]
#
# KERNEL as for run.sh --kernel; default: every kernel scripts/kernels.sh
# lists. Scratch files go to build/vm/selftest/ (wiped per kernel).
# Per kernel: 9 boots, ~1 min for 6.1 or 6.12, ~5 min for the debug kernel.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"
run="$here/run.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
fi
kernels=("$@")
if [[ ${#kernels[@]} -eq 0 ]]; then
	mapfile -t kernels < <("$vm_repo/scripts/kernels.sh" | awk '{print $1}')
fi
[[ ${#kernels[@]} -gt 0 ]] || vm_die "no kernels installed (scripts/kernels.sh lists none)"

n=0 failed=0
tap() { # tap OK DESCRIPTION [DIAGNOSTIC FILE...]
	local good=$1 desc=$2 f
	shift 2
	n=$((n + 1))
	if [[ $good -eq 1 ]]; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		for f in "$@"; do
			[[ -f $f ]] && tail -n 25 "$f" | sed 's/^/# /'
		done
	fi
	return 0
}
# val FILE KEY: the value of KEY=... in FILE.
val() { sed -n "s/^$2=//p" "$1" | head -n 1; }
# marker FILE OFFSET TEXT: write TEXT into FILE at byte OFFSET.
marker() { printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
peek() { dd if="$1" bs=1 skip="$2" count="$3" status=none; }
alive() { [[ -f $1/qemu.pid ]] && kill -0 "$(<"$1/qemu.pid")" 2>/dev/null; }

# Usage errors are caught before booting (no kernel needed).
st=0
"$run" --out "$vm_build/selftest/usage" -- true >/dev/null 2>&1 || st=$?
tap "$((st == 2))" "run.sh without --kernel is a usage error (2)"

first=1
for k in "${kernels[@]}"; do
	vm_resolve_kernel "$k"
	ver=$KVER
	base="$vm_build/selftest/${k//\//_}"
	rm -rf "$base"
	mkdir -p "$base"
	echo "# kernel $k: $ver"

	# --- boot A: devices, mounts, environment -----------------------------
	truncate -s 128M "$base/nv0.img" "$base/nv1.img"
	truncate -s 64M "$base/d0.img" "$base/d1.img"
	marker "$base/nv0.img" 0 NVDIMM-0
	marker "$base/nv1.img" 0 NVDIMM-1
	marker "$base/d0.img" 0 DISK-0
	marker "$base/d1.img" 0 DISK-1
	cat >"$base/probe.sh" <<'EOF'
set -u
echo "uname=$(uname -r)"
echo "pmem0=$(head -c 8 /dev/pmem0 2>&1)"
echo "pmem1=$(head -c 8 /dev/pmem1 2>&1)"
echo "vda=$(head -c 6 /dev/vda 2>&1)"
echo "vdb=$(head -c 6 /dev/vdb 2>&1)"
echo "cgroupfs=$(stat -f -c %T /sys/fs/cgroup)"
echo "controllers=$(cat /sys/fs/cgroup/cgroup.controllers)"
echo "cwd=$(pwd)"
echo "env=$ST_VAR"
echo "vm=$NVFLUSH_VM"
echo "tmpfs=$(stat -f -c %T /tmp)"
touch /etc/nvflush-selftest 2>/dev/null && echo rootro=no || echo rootro=yes
mountpoint -q /sys/kernel/debug && echo debugfs=yes || echo debugfs=no
echo "written in the guest" >"$NVFLUSH_VM_OUT/from-guest.txt"
ndctl create-namespace -f -e namespace1.0 -m fsdax >/dev/null 2>&1
dev=$(ndctl list -n namespace1.0 | sed -n 's/.*"blockdev":"\(pmem[0-9]*\)".*/\1/p')
echo "fsdax_dev=$dev"
echo "fsdax_dax=$(cat /sys/block/$dev/queue/dax 2>&1)"
EOF
	st=0
	"$run" --kernel "$k" --out "$base/a" \
		--nvdimm "$base/nv0.img:128M" --nvdimm "$base/nv1.img:128M" \
		--disk "$base/d0.img:64M" --disk "$base/d1.img:64M" \
		--env 'ST_VAR=a b $c' -- bash "$base/probe.sh" >"$base/a.out" 2>"$base/a.err" || st=$?
	r=$base/a.out
	tap "$((st == 0))" "$k: boots and runs a command (status $st)" "$base/a.err"
	tap "$([[ $(val "$r" uname) == "$ver" ]] && echo 1 || echo 0)" "$k: uname -r is $ver" "$r"
	tap "$([[ $(val "$r" pmem0) == NVDIMM-0 && $(val "$r" pmem1) == NVDIMM-1 ]] && echo 1 || echo 0)" \
		"$k: /dev/pmem0, /dev/pmem1 ready after the init's modprobe, in --nvdimm order" "$r"
	tap "$([[ $(val "$r" vda) == DISK-0 && $(val "$r" vdb) == DISK-1 ]] && echo 1 || echo 0)" \
		"$k: /dev/vda, /dev/vdb present, in --disk order" "$r"
	c=" $(val "$r" controllers) "
	tap "$([[ $(val "$r" cgroupfs) == cgroup2fs && $c == *" io "* && $c == *" memory "* ]] && echo 1 || echo 0)" \
		"$k: cgroup2 on /sys/fs/cgroup with the io and memory controllers" "$r"
	tap "$([[ $(cat "$base/a/from-guest.txt" 2>/dev/null) == "written in the guest" ]] && echo 1 || echo 0)" \
		"$k: a file written to DIR in the guest is on the host" "$r"
	tap "$([[ $(val "$r" cwd) == "$(pwd -P)" && $(val "$r" env) == 'a b $c' && $(val "$r" vm) == 1 ]] && echo 1 || echo 0)" \
		"$k: the command runs in the host's cwd with the --env variables" "$r"
	tap "$([[ $(val "$r" tmpfs) == tmpfs && $(val "$r" rootro) == yes && $(val "$r" debugfs) == yes ]] && echo 1 || echo 0)" \
		"$k: fresh tmpfs on /tmp, read-only host root, debugfs mounted" "$r"
	tap "$([[ $(val "$r" fsdax_dax) == 1 ]] && echo 1 || echo 0)" \
		"$k: ndctl turns a scratch NVDIMM into fsdax (queue/dax = 1)" "$r"

	# --- boots B and C, concurrently: exit status, kernel-problem scan ------
	st_b=0 st_c=0
	"$run" --kernel "$k" --out "$base/b" -- sh -c 'exit 3' >"$base/b.out" 2>"$base/b.err" &
	pid_b=$!
	"$run" --kernel "$k" --out "$base/c" -- \
		sh -c 'echo "<4>WARNING: selftest: a fake kernel warning" >/dev/kmsg' >"$base/c.out" 2>"$base/c.err" &
	pid_c=$!
	wait "$pid_b" || st_b=$?
	wait "$pid_c" || st_c=$?
	tap "$((st_b == 3))" "$k: a failing command's status comes back (3, got $st_b; concurrent VM)" "$base/b.err"
	tap "$((st_c == 126))" "$k: a WARNING in serial.log fails a run whose command passed (126, got $st_c)" "$base/c.err"

	# --- boot D: timeout -----------------------------------------------------
	st=0
	t0=$SECONDS
	"$run" --kernel "$k" --out "$base/d" --timeout 10 -- sleep 1000 >"$base/d.out" 2>"$base/d.err" || st=$?
	dt=$((SECONDS - t0))
	sleep 0.5
	tap "$([[ $st -eq 124 && $dt -lt 40 ]] && ! alive "$base/d" && echo 1 || echo 0)" \
		"$k: --timeout 10 kills the VM (124 after ${dt}s, got $st)" "$base/d.err"

	# --- boots E and F: a power cut (kill -9 of qemu) keeps NVM and disk ------
	cat >"$base/cut.sh" <<'EOF'
set -eu
blk() { { printf '%s' "$1"; head -c $((4096 - ${#1})) /dev/zero; } >/tmp/blk; }
blk CUT-NV0; dd if=/tmp/blk of=/dev/pmem0 bs=4096 seek=16 oflag=direct status=none
blk CUT-VDA; dd if=/tmp/blk of=/dev/vda bs=4096 seek=16 oflag=direct status=none
touch "$NVFLUSH_VM_OUT/ready"
sleep 1000
EOF
	st=0
	"$run" --kernel "$k" --out "$base/e" --nvdimm "$base/nv0.img:128M" --disk "$base/d0.img:64M" \
		--timeout 300 -- bash "$base/cut.sh" >"$base/e.out" 2>"$base/e.err" &
	pid_e=$!
	for _ in $(seq 600); do
		[[ -f $base/e/ready ]] && break
		kill -0 "$pid_e" 2>/dev/null || break
		sleep 0.5
	done
	if [[ -f $base/e/ready ]] && alive "$base/e"; then
		kill -9 "$(<"$base/e/qemu.pid")"
	fi
	wait "$pid_e" || st=$?
	tap "$([[ $st -eq 125 && -f $base/e/ready ]] && echo 1 || echo 0)" \
		"$k: kill -9 of qemu is reported as no status (125, got $st)" "$base/e.err"
	tap "$([[ $(peek "$base/nv0.img" 65536 7) == CUT-NV0 && $(peek "$base/d0.img" 65536 7) == CUT-VDA ]] && echo 1 || echo 0)" \
		"$k: writes done before the power cut are in the host's backing files"
	st=0
	"$run" --kernel "$k" --out "$base/f" --nvdimm "$base/nv0.img:128M" --disk "$base/d0.img:64M" -- \
		sh -c 'echo "nv=$(dd if=/dev/pmem0 bs=4096 skip=16 count=1 status=none | head -c 7)";
		       echo "vd=$(dd if=/dev/vda bs=4096 skip=16 count=1 status=none | head -c 7)"' \
		>"$base/f.out" 2>"$base/f.err" || st=$?
	tap "$([[ $st -eq 0 && $(val "$base/f.out" nv) == CUT-NV0 && $(val "$base/f.out" vd) == CUT-VDA ]] && echo 1 || echo 0)" \
		"$k: the next boot on the same files sees them" "$base/f.out" "$base/f.err"
	st=0
	"$run" --kernel "$k" --out "$base/g" --nvdimm "$base/nv0.img:64M" -- true >/dev/null 2>"$base/g.err" || st=$?
	tap "$((st == 2))" "$k: an existing NVDIMM file of another size is refused (2, got $st)" "$base/g.err"

	# --- a kernel problem before the job: one more boot, then 125 ----------
	if [[ $first -eq 1 ]]; then
		first=0
		st=0
		"$run" --kernel "$k" --out "$base/h" --append rdinit=/nonexistent -- true >/dev/null 2>"$base/h.err" || st=$?
		tap "$([[ $st -eq 125 && -f $base/h/serial.log.1 && $(grep -c '^run.sh: booting' "$base/h.err") -eq 2 ]] && echo 1 || echo 0)" \
			"$k: a panic before the job started is booted again once, then reported (125, got $st)" "$base/h.err"
	fi

	# Boot and round-trip times, for the record.
	for x in a b f; do
		t=$(sed -n 's/^run.sh: .*command exit status.*; \(wall .*\)$/\1/p' "$base/$x.err")
		echo "# $k boot $x: ${t:-?}"
	done
done

echo "1..$n"
if [[ $failed -gt 0 ]]; then
	echo "# $failed of $n failed"
	exit 1
fi
echo "# all $n passed"
