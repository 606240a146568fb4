#!/usr/bin/env bash
# Run one command inside a throw-away qemu VM (TCG) booted on a target kernel.
#
# usage: scripts/vm/run.sh --kernel KERNEL --out DIR [options] -- COMMAND [ARGS...]
#
#   --kernel KERNEL     6.1 | 6.12 | debug (names printed by scripts/kernels.sh),
#                       a full version with /boot/vmlinuz-VERSION, or the path
#                       of a kernel image
#   --out DIR           output folder (created). Shared read-write with the
#                       guest at the same absolute path. Holds job.sh, vm.conf,
#                       guest.log (COMMAND's stdout+stderr), rc (its exit
#                       status), serial.log (kernel console), qemu.log, qemu.pid
#   --nvdimm FILE[:SIZE]  emulated NVDIMM backed by FILE (repeatable; the guest
#                       sees /dev/pmem0, /dev/pmem1, ... in this order, ready
#                       when COMMAND starts). A missing FILE is created sparse
#                       with SIZE (e.g. 256M; a multiple of 2M); an existing
#                       FILE is used as it is (its size must equal SIZE if given)
#   --disk FILE[:SIZE]  virtio disk backed by raw FILE (repeatable; /dev/vda,
#                       /dev/vdb, ... in order; cache=none). Created like --nvdimm
#   --mem SIZE          guest RAM (default 2G; 3G for a KASAN kernel)
#   --smp N             vCPUs (default 2)
#   --timeout SEC       kill the VM after SEC seconds of wall time (default 600)
#   --append ARGS       extra kernel command line arguments (repeatable)
#   --env NAME=VALUE    export NAME=VALUE to COMMAND (repeatable)
#   --no-scan           do not fail because of kernel problems in serial.log
#   --boot-retries N    boot again, up to N times (default 1), when the kernel
#                       reports a problem before COMMAND started (that is the
#                       kernel's, not the test's; it is still printed)
#   --bzimage           boot the compressed image even when the kernel has a
#                       PVH entry (by default such kernels boot from an
#                       extracted vmlinux: ~3 s faster under TCG, no KASLR)
#   -h, --help          this text
#
# COMMAND runs as root in the guest, chrooted into the host's root file system
# (read-only, over 9p), in the host's current directory, with fresh /proc,
# /sys, /dev, /dev/pts, /dev/shm, /tmp, /run, /var/tmp, cgroup2 on
# /sys/fs/cgroup and debugfs on /sys/kernel/debug; nfit and nd_pmem are loaded
# when there are NVDIMMs. The environment is clean except PATH, HOME=/root,
# TERM=dumb, LANG=C.UTF-8, NVFLUSH_VM=1, NVFLUSH_VM_OUT=DIR and the --env
# variables. Its output is streamed to this script's stdout; the script's own
# messages go to stderr.
#
# Exit status: COMMAND's exit status, or
#   124  the timeout expired (the VM was killed)
#   125  the guest reported no exit status (kernel panic, crash, qemu killed or
#        failed to start); the tail of serial.log is printed
#   126  COMMAND finished but serial.log shows a kernel problem (WARNING:,
#        BUG:, Oops, Call Trace, KASAN, UBSAN, a kmemleak message other
#        than its leak count, lockdep, a hung task, general protection
#        fault); unless --no-scan
#   2    bad usage (nothing was run)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

kernel="" out="" mem="" smp=2 timeout_s=600 scan=1 bzimage=0 boot_retries=1
nvdimms=() disks=() appends=() envs=()
need() { [[ $# -ge 2 ]] || vm_die "$1 needs a value (see --help)"; }
while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) need "$@"; kernel=$2; shift 2 ;;
	--out) need "$@"; out=$2; shift 2 ;;
	--nvdimm) need "$@"; nvdimms+=("$2"); shift 2 ;;
	--disk) need "$@"; disks+=("$2"); shift 2 ;;
	--mem) need "$@"; mem=$2; shift 2 ;;
	--smp) need "$@"; smp=$2; shift 2 ;;
	--timeout) need "$@"; timeout_s=$2; shift 2 ;;
	--append) need "$@"; appends+=("$2"); shift 2 ;;
	--env) need "$@"; envs+=("$2"); shift 2 ;;
	--no-scan) scan=0; shift ;;
	--bzimage) bzimage=1; shift ;;
	--boot-retries) need "$@"; boot_retries=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) vm_die "unknown argument '$1' (see --help)" ;;
	esac
done
[[ -n $kernel ]] || vm_die "--kernel is required"
[[ -n $out ]] || vm_die "--out is required"
[[ $# -gt 0 ]] || vm_die "no COMMAND after --"
[[ $smp =~ ^[1-9][0-9]*$ ]] || vm_die "--smp: bad number '$smp'"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || vm_die "--timeout: bad number of seconds '$timeout_s'"
[[ $boot_retries =~ ^[0-9]+$ ]] || vm_die "--boot-retries: bad number '$boot_retries'"
for e in "${envs[@]}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || vm_die "--env: expected NAME=VALUE, got '$e'"
done

vm_resolve_kernel "$kernel"
command -v qemu-system-x86_64 >/dev/null || vm_die "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"

# Memory: a KASAN kernel needs more (its shadow takes 1/8).
if [[ -z $mem ]]; then
	mem=2G
	[[ -n $KCONFIG ]] && grep -q '^CONFIG_KASAN=y' "$KCONFIG" && mem=3G
fi
[[ $mem =~ ^[0-9]+$ ]] && mem=${mem}M # qemu's unit
mem_b=$(vm_size_bytes "$mem") || vm_die "--mem: bad size '$mem'"
mem_m=$((mem_b >> 20))

# The output folder.
mkdir -p "$out"
out=$(realpath "$out")
case $out in
/ | /proc | /proc/* | /sys | /sys/* | /dev | /dev/pts*) vm_die "--out $out: not usable" ;;
*$'\n'*) vm_die "--out: no newlines, please" ;;
esac
cwd=$(pwd -P)
case $cwd/ in
"$out"/*) ;;
/dev/*)
	vm_die "the current directory $cwd is hidden in the guest; run from elsewhere or under --out" ;;
esac
# (a directory under /tmp, /run or /var/tmp is kept visible by the guest init)

exec 8>"$out/.run.lock"
flock -n 8 || vm_die "another run.sh is using $out"

# qemu option values: a comma is written as two.
qarg() { printf '%s' "${1//,/,,}"; }

# split_spec SPEC -> file and size (empty if not given).
split_spec() {
	local spec=$1
	if [[ $spec =~ ^(.+):([0-9]+[KMGT]?)$ ]]; then
		spec_file=${BASH_REMATCH[1]} spec_size=${BASH_REMATCH[2]}
	else
		spec_file=$spec spec_size=""
	fi
}
# prepare_backing WHAT SPEC ALIGN: create FILE if missing; prints the file's
# absolute path and size in bytes.
prepare_backing() {
	local what=$1 align=$3 size_b="" cur
	split_spec "$2"
	[[ -n $spec_size ]] && { size_b=$(vm_size_bytes "$spec_size") || vm_die "$what: bad size in '$2'"; }
	local f
	f=$(realpath -m "$spec_file")
	if [[ -e $f ]]; then
		[[ -f $f ]] || vm_die "$what: $f is not a regular file"
		cur=$(stat -c %s "$f")
		[[ -z $size_b || $size_b == "$cur" ]] ||
			vm_die "$what: $f exists with $cur bytes, not $size_b ($spec_size); remove it or fix the size"
		size_b=$cur
	else
		[[ -n $size_b ]] || vm_die "$what: $f does not exist and no :SIZE was given"
		mkdir -p "$(dirname "$f")"
		truncate -s "$size_b" "$f"
	fi
	((size_b > 0 && size_b % align == 0)) || vm_die "$what: size of $f ($size_b bytes) must be a positive multiple of $((align >> 10)) KiB"
	printf '%s\n%s\n' "$f" "$size_b"
}

# shellcheck disable=SC2054 # commas inside qemu options are intended
qemu_args=(
	-name nvflush-vm
	-machine q35,nvdimm=on
	-accel tcg,thread=multi
	-cpu max
	-smp "$smp"
	-nodefaults -display none -no-reboot -nic none
	-chardev "file,id=con0,path=$(qarg "$out/serial.log")"
	-serial chardev:con0
	-pidfile "$out/qemu.pid"
)

nv_total=0
i=0
for spec in "${nvdimms[@]}"; do
	mapfile -t fs < <(prepare_backing --nvdimm "$spec" $((2 << 20)))
	[[ ${#fs[@]} -eq 2 ]] || exit 2
	qemu_args+=(
		-object "memory-backend-file,id=nvmem$i,share=on,mem-path=$(qarg "${fs[0]}"),size=${fs[1]}"
		-device "nvdimm,id=nvdimm$i,memdev=nvmem$i"
	)
	nv_total=$((nv_total + fs[1]))
	i=$((i + 1))
done
n_nv=$i
if ((n_nv > 0)); then
	maxmem_m=$((mem_m + (nv_total >> 20) + 1024))
	qemu_args+=(-m "${mem_m}M,slots=$n_nv,maxmem=${maxmem_m}M")
else
	qemu_args+=(-m "${mem_m}M")
fi

i=0
for spec in "${disks[@]}"; do
	mapfile -t fs < <(prepare_backing --disk "$spec" 512)
	[[ ${#fs[@]} -eq 2 ]] || exit 2
	qemu_args+=(
		-drive "file=$(qarg "${fs[0]}"),if=none,id=disk$i,format=raw,cache=none,aio=threads"
		-device "virtio-blk-pci,drive=disk$i,serial=disk$i"
	)
	i=$((i + 1))
done
n_disk=$i
((n_disk <= 26)) || vm_die "at most 26 disks"

# shellcheck disable=SC2054
qemu_args+=(
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$(qarg "$out"),mount_tag=outdir,security_model=none,multidevs=remap"
)

# The initramfs, cached per kernel version.
initrd="$vm_build/initrd/$KVER.cpio.gz"
"$here/mkinitrd.sh" "$KIMAGE" "$initrd" >&2 ||
	vm_die "building the initramfs failed"

cmdline="console=ttyS0 panic=-1 panic_on_warn=1 oops=panic"
# Not every kernel has the hung task detector (the debug kernel has not).
if [[ -z $KCONFIG ]] || grep -q '^CONFIG_DETECT_HUNG_TASK=y' "$KCONFIG"; then
	cmdline+=" hung_task_panic=1"
fi
for a in "${appends[@]}"; do cmdline+=" $a"; done
boot_image=$KIMAGE
if [[ $bzimage -eq 0 ]]; then
	vmlinux=$(vm_pvh_vmlinux)
	[[ -n $vmlinux ]] && boot_image=$vmlinux
fi
qemu_args+=(-kernel "$boot_image" -initrd "$initrd" -append "$cmdline")

# The job and its configuration.
rm -f "$out"/{rc,guest.log,serial.log,serial.log.[0-9]*,qemu.log,qemu.pid,qemu.cmd}
printf '%q ' qemu-system-x86_64 "${qemu_args[@]}" >"$out/qemu.cmd"
echo >>"$out/qemu.cmd"
{
	echo "DIR=$out"
	echo "NVDIMMS=$n_nv"
	echo "DISKS=$n_disk"
	echo "MODROOT=$KMODROOT"
	echo "HOSTNAME=nvflush-vm"
	echo "CWD=$cwd"
} >"$out/vm.conf"
{
	echo "#!/bin/bash"
	echo "# Written by scripts/vm/run.sh; run by the guest's /init."
	printf 'cd -- %q || exit 1\n' "$cwd"
	printf 'export NVFLUSH_VM=1 NVFLUSH_VM_OUT=%q\n' "$out"
	for e in "${envs[@]}"; do
		printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
	done
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$out/job.sh"

# Run. timeout(1) keeps the VM bounded even if this script is killed hard.
qpid="" tailpid=""
# shellcheck disable=SC2317 # invoked by the traps
cleanup() {
	# qpid is set while timeout(1)+qemu may still run; once wait returned,
	# qemu is gone (timeout waits for it), and its pid may be reused.
	if [[ -n $qpid ]]; then
		local pid="" _
		[[ -f $out/qemu.pid ]] && pid=$(<"$out/qemu.pid")
		kill -TERM "$qpid" ${pid:+"$pid"} 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$qpid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$qpid" ${pid:+"$pid"} 2>/dev/null || true
	fi
	if [[ -n $tailpid ]]; then kill "$tailpid" 2>/dev/null || true; fi
	return 0
}
trap cleanup EXIT
trap 'echo "${0##*/}: interrupted; killing the VM" >&2; exit 130' INT
trap 'echo "${0##*/}: terminated; killing the VM" >&2; exit 143' TERM


serial_tail() {
	echo "----- last 60 lines of $out/serial.log -----" >&2
	tail -n 60 "$out/serial.log" >&2 2>/dev/null || echo "(no serial.log)" >&2
	echo "-----" >&2
}
# Kernel problems: the patterns below, minus the kernel command line (it
# contains hung_task_panic=...), kmemleak's start-up lines and its "N new
# suspected memory leaks" line (the VM suite's last check reads the report
# itself and sets apart a known leak of the kernel's slab code: see
# tests/vm/kmemleak.py; a command without such a check must read
# /sys/kernel/debug/kmemleak itself), and the stack that the kernel dumps
# after "__kmem_cache_create_args(NAME) failed with error N" (a slab cache
# that could not be created, e.g. under failslab: a diagnostic, not a
# warning; the caller gets the error).
problems() {
	[[ -f $out/serial.log ]] || return 0
	LC_ALL=C awk '
		/kmem_cache_create[a-z_]*\(.*\) failed with error/ { dump = NR; next }
		/Call Trace:/ && dump && NR - dump <= 6 { dump = 0; next }
		{ print }' "$out/serial.log" |
		grep -aE 'WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|kmemleak|possible circular locking|possible recursive locking|inconsistent lock state|hung_task|blocked for more than|general protection|Kernel panic' |
		grep -avE '[Cc]ommand line|Failed to set sysctl parameter|kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread|[0-9]+ new suspected memory leaks)' || true
}

# A kernel problem before the job started is the kernel's, not the test's
# (e.g. the debug kernel's rare KASAN report in early boot): boot again, up
# to --boot-retries times, keeping the failed console log as serial.log.N.
attempt=0
while :; do
	rm -f "$out"/{rc,serial.log,qemu.log,qemu.pid}
	: >"$out/guest.log"
	echo "${0##*/}: booting $KVER (mem ${mem_m}M, smp $smp, $n_nv nvdimm(s), $n_disk disk(s), timeout ${timeout_s}s); output in $out" >&2
	started=$SECONDS
	timeout -k 10 "$timeout_s" qemu-system-x86_64 "${qemu_args[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	tail -n +1 -F -s 0.2 --pid="$qpid" "$out/guest.log" 2>/dev/null &
	tailpid=$!
	st=0
	wait "$qpid" || st=$?
	qpid=""
	wait "$tailpid" 2>/dev/null || true
	tailpid=""
	wall=$((SECONDS - started))
	if [[ ! -f $out/rc && $st -ne 124 && $attempt -lt $boot_retries ]] &&
		! grep -q 'nvflush-init: job start' "$out/serial.log" 2>/dev/null; then
		p=$(problems)
		if [[ -n $p ]]; then
			attempt=$((attempt + 1))
			mv -f "$out/serial.log" "$out/serial.log.$attempt"
			{
				echo "${0##*/}: KERNEL PROBLEM DURING BOOT, before the job started (not caused by the test; please report it):"
				head -n 5 <<<"$p"
				echo "${0##*/}: console log kept as $out/serial.log.$attempt; booting again ($attempt/$boot_retries)"
			} >&2
			continue
		fi
	fi
	break
done

times=$(sed -n 's/.*nvflush-init: job start uptime=\([0-9.]*\).*/boot \1 s/p; s/.*nvflush-init: job end rc=[0-9]* uptime=\([0-9.]*\).*/end \1 s/p' "$out/serial.log" 2>/dev/null | tr '\n' ' ' || true)

# timeout(1) exits 124 when it stopped qemu, 137 when it had to SIGKILL it
# (also the status when someone else SIGKILLed qemu: a simulated power cut).
if [[ ! -f $out/rc ]] && [[ $st -eq 124 || ($st -eq 137 && $wall -ge $timeout_s) ]]; then
	echo "${0##*/}: TIMEOUT: $KVER did not finish within ${timeout_s}s; qemu was killed." >&2
	p=$(problems)
	[[ -z $p ]] || printf '%s\n%s\n' "${0##*/}: kernel problems in serial.log:" "$p" >&2
	serial_tail
	exit 124
fi
if [[ ! -f $out/rc ]]; then
	echo "${0##*/}: the guest reported no exit status (panic, crash or killed VM; qemu exit $st, ${wall}s)." >&2
	if [[ -s $out/qemu.log ]]; then
		echo "----- $out/qemu.log -----" >&2
		cat "$out/qemu.log" >&2
	fi
	p=$(problems)
	[[ -z $p ]] || printf '%s\n%s\n' "${0##*/}: kernel problems in serial.log:" "$p" >&2
	serial_tail
	exit 125
fi
rc=$(<"$out/rc")
[[ $rc =~ ^[0-9]+$ ]] || { echo "${0##*/}: bad rc file: '$rc'" >&2; exit 125; }
echo "${0##*/}: $KVER: command exit status $rc; wall ${wall}s (guest uptime: ${times:-?})" >&2
if [[ $scan -eq 1 ]]; then
	p=$(problems)
	if [[ -n $p ]]; then
		printf '%s\n%s\n' "${0##*/}: FAIL: kernel problems in $out/serial.log (command exit status $rc):" "$p" >&2
		serial_tail
		exit 126
	fi
fi
exit "$rc"
