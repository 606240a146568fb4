# shellcheck shell=bash
# Kernel fault injection (a kernel with CONFIG_FAILSLAB and
# CONFIG_FAIL_MAKE_REQUEST, i.e. the debug kernel; elsewhere skipped):
# - failslab at every slab allocation site of the create, destroy, drain,
#   get and stats requests, one site per request (the task's fail-nth
#   counter, tests/vm/failnth.py): each succeeds or fails with an errno,
#   and leaves a device that works and can be destroyed, or nothing (no
#   disk, thread, claim or module reference); nvflushctl dev create at its
#   last allocations: exit 0, or exit 1 with a message;
# - the same for writes, reads and fsyncs through the device (in NVM and
#   not), checked against a model;
# - failslab with task-filter for the destager's kernel threads (every
#   allocation fails) during a drain, and for a verifying writer at a range
#   of intervals and counts;
# - fail_make_request on the origin and on /dev/nvflushN during I/O and
#   drain.
# Never an oops, WARN, BUG or sanitizer report (the console is scanned by
# the runner too; kmemleak is checked by t99). $ORIGIN and $PMEM are free
# (what $PMEM holds is wiped);
# no device is left.

x97_cfg=/boot/config-$(uname -r)
if ! grep -q '^CONFIG_FAILSLAB=y' "$x97_cfg" 2>/dev/null ||
	! grep -q '^CONFIG_FAIL_MAKE_REQUEST=y' "$x97_cfg" 2>/dev/null; then
	diag "t97_failslab: no CONFIG_FAILSLAB and CONFIG_FAIL_MAKE_REQUEST in $(uname -r): skipped"
	return 0
fi

FS=/sys/kernel/debug/failslab
FMR=/sys/kernel/debug/fail_make_request
x97_dir=$(mktemp -d)
x97_knobs="probability interval times space task-filter ignore-gfp-wait verbose"
for k in $x97_knobs; do cat "$FS/$k" >"$x97_dir/fs.$k"; done
for k in probability interval times space task-filter verbose; do
	cat "$FMR/$k" >"$x97_dir/fmr.$k"
done
# an earlier suite may have left blocks in NVM for $ORIGIN (a destroy
# keeps them); a wiped superblock lets every create format it
nvm_wipe "$PMEM"
echo "nvflush-t97: start" >/dev/kmsg
vb97() { python3 -S tests/vm/vblocks.py "$@"; }
x97_show() { nvfctl dev show x0 | sed -n "s/^$1: *\\([^ ]*\\).*/\\1/p"; }
x97_disk() { nvfctl dev show x0 | sed -n 's/^disk: *//p'; }
# x97_result DESC CMD...: run CMD; its summary (last line) as a diag; the
# check passes when CMD exits 0
x97_result() {
	local desc=$1 out st
	shift
	out=$("$@" 2>&1) && st=0 || st=$?
	diag "$(tail -n 1 <<<"$out")"
	_tap_result "$st" "$desc" "$out"
}
# x97_ynl OP: failnth.py ynl; its lines go to t97-ynl-OP.log in the run's
# folder
x97_ynl() {
	/usr/bin/python3 tests/vm/failnth.py ynl "$1" --ynl build/linux-src/tools/net/ynl \
		--spec Documentation/netlink/specs/nvflush.yaml --name x0 \
		--origin "$ORIGIN" --nvm "$PMEM" ${NVF_FAILSLAB_STRIDE:+--stride "$NVF_FAILSLAB_STRIDE"} |
		tee "${NVFLUSH_VM_OUT:-$x97_dir}/t97-ynl-$1.log"
}
# x97_sweep OP TAIL STRIDE: the sweep's lines go to t97-OP.log in the run's
# folder
x97_sweep() {
	python3 -S tests/vm/failnth.py sweep "$1" --tail "$2" --stride "$3" --ctl "$NVF_CTL" \
		--copy "$x97_dir/ctl" --name x0 --origin "$ORIGIN" --nvm "$PMEM" |
		tee "${NVFLUSH_VM_OUT:-$x97_dir}/t97-$1.log"
}
x97_wait_clean() {
	for _ in $(seq 600); do
		[ "$(x97_show dirty)" = 0 ] && return 0
		sleep 0.2
	done
	echo "still $(x97_show dirty) blocks dirty"
	return 1
}
# x97_drain_clean: start a drain, wait until nothing is dirty (dev drain
# itself gives up at once on a degraded device)
x97_drain_clean() { nvfctl dev drain x0 --no-wait >/dev/null && x97_wait_clean; }
# x97_threads: pids of x0's kernel threads (destager, workqueue rescuer)
x97_threads() { grep -lx nvflush-x0 /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3; }
x97_make_it_fail() { # 0|1 PID...
	local v=$1 p
	shift
	for p in "$@"; do echo "$v" >"/proc/$p/make-it-fail" || return 1; done
}

# 1. Every slab allocation of the control operations, one at a time (the
# task's fail-nth counter). From this shell's process, with the kernel's
# YNL library: only the request's system calls run while it is set. Then
# nvflushctl itself at the last allocations of dev create (its messages).
echo N >$FS/ignore-gfp-wait	# GFP_KERNEL allocations fail too
echo 1 >$FS/verbose		# one line per failure, no stack dump
echo 0 >$FS/probability		# only the fail-nth counter injects
for x97_op in get stats drain destroy; do
	x97_result "failslab at each allocation of the $x97_op request" x97_ynl $x97_op
done
x97_result "nvflushctl dev create at every 3rd of its last 130 allocations" \
	x97_sweep create 130 3

# 2. I/O through the device, one allocation site at a time.
check "create x0" nvfctl dev create x0 --origin "$ORIGIN" --nvm "$PMEM" --format
D=$(x97_disk)
x97_result "failslab at each allocation of writes, reads and fsyncs" bash -c \
	"python3 -S tests/vm/failnth.py io $D --ctl $NVF_CTL --name x0 --first 0 \
	--blocks 64 | tee ${NVFLUSH_VM_OUT:-$x97_dir}/t97-io.log"
check "x0 answers dev show" nvfctl dev show x0

# 3. Task-filtered failslab: the destager's threads fail every slab
# allocation during a drain; a writer fails at intervals and counts.
echo Y >$FS/task-filter
echo 100 >$FS/probability
echo 1 >$FS/interval
echo -1 >$FS/times
check "1024 blocks absorbed" vb97 init "$D" "$x97_dir/st" --first 4096 --blocks 1024
read -ra x97_pids < <(x97_threads | tr '\n' ' ')
diag "x0's kernel threads: ${x97_pids[*]}"
check "make-it-fail for x0's kernel threads" x97_make_it_fail 1 "${x97_pids[@]}"
check "drain completes while every slab allocation of the destager fails" \
	nvfctl dev drain x0 --timeout 300
check "make-it-fail off" x97_make_it_fail 0 "${x97_pids[@]}"
check "the drained blocks read back" vb97 verify "$D" "$x97_dir/st"
for x97_iv in 1 3 7 20; do
	for x97_times in 1 5; do
		echo "$x97_iv" >$FS/interval
		echo "$x97_times" >$FS/times
		x97_result "writer with failslab every ${x97_iv}th allocation, $x97_times times" \
			vb97 write "$D" "$x97_dir/st" --count 40 --seed "$x97_iv" \
			--tolerate-eio --make-it-fail
	done
done
echo 0 >$FS/probability
echo N >$FS/task-filter
check "after the failures every block reads back as the model says" \
	vb97 verify "$D" "$x97_dir/st"
check "x0 answers dev show" nvfctl dev show x0

# 4. fail_make_request: the origin fails half of its bios while a writer
# and the destager run; then /dev/nvflushN fails them itself.
echo 1 >$FMR/verbose
echo 50 >$FMR/probability
echo 1 >$FMR/interval
echo -1 >$FMR/times
echo N >$FMR/task-filter
check "the origin fails bios (make-it-fail on ${ORIGIN#/dev/})" \
	bash -c "echo 1 >/sys/block/${ORIGIN#/dev/}/make-it-fail"
x97_result "a writer with drains while the origin fails bios" \
	vb97 write "$D" "$x97_dir/st" --count 200 --seed 7 --tolerate-eio \
	--drain x0 --drain-every 40 --ctl "$NVF_CTL"
check "x0 answers dev show" nvfctl dev show x0
check "the origin is healthy again" \
	bash -c "echo 0 >/sys/block/${ORIGIN#/dev/}/make-it-fail"
check "the destager empties the NVM" x97_drain_clean
check "every block reads back as the model says" vb97 verify "$D" "$x97_dir/st"
check "destroy x0" nvfctl dev destroy x0
check "the origin holds the model" vb97 verify "$ORIGIN" "$x97_dir/st"

check "create x0 again" nvfctl dev create x0 --origin "$ORIGIN" --nvm "$PMEM" --format
D=$(x97_disk)
check "make-it-fail on ${D#/dev/}" bash -c "echo 1 >/sys/block/${D#/dev/}/make-it-fail"
x97_result "a writer with drains while ${D#/dev/} fails bios" \
	vb97 write "$D" "$x97_dir/st" --count 200 --seed 8 --tolerate-eio \
	--drain x0 --drain-every 40 --ctl "$NVF_CTL"
check "make-it-fail off" bash -c "echo 0 >/sys/block/${D#/dev/}/make-it-fail"
check_eq "bios failed above the device: x0 saw no error" no "$(x97_show degraded)"
check "every block reads back as the model says" vb97 verify "$D" "$x97_dir/st"
check "drain x0" nvfctl dev drain x0 --timeout 300
check "destroy x0" nvfctl dev destroy x0
check "the origin holds the model" vb97 verify "$ORIGIN" "$x97_dir/st"

# 5. The create request last: the error paths of a half-built device.
echo N >$FS/ignore-gfp-wait
echo 0 >$FS/probability
x97_result "failslab at each allocation of the create request" x97_ynl create

for k in $x97_knobs; do cat "$x97_dir/fs.$k" >"$FS/$k"; done
for k in probability interval times space task-filter verbose; do
	cat "$x97_dir/fmr.$k" >"$FMR/$k"
done
check "no device is left" bash -c '! ls /sys/block | grep -q nvflush'
check "no oops, WARN, BUG or sanitizer report in the kernel log" bash -c "
	! dmesg | sed -n '/nvflush-t97: start/,\$p' |
		grep -E 'BUG:|WARNING:|Oops|KASAN|UBSAN|general protection|Call Trace|list_(add|del) corruption'"
diag "$(dmesg | grep -c 'FAULT_INJECTION: forcing a failure') failures injected (as logged; rate limited)"
rm -rf "$x97_dir"
