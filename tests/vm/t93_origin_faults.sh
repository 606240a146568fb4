# shellcheck shell=bash
# Origin faults under absorbing writers: the origin is a device-mapper device
# over $ORIGIN whose table is switched, while a verifying writer runs, to
# dm-flakey error_writes, dm-flakey drop_writes, the error target or
# dm-delay, and back to linear. Checked against the writer's model
# (tests/vm/vblocks.py): what the device returns during the fault, the
# degraded latch (dev show, dev list, stats, the degraded event of
# nvflushctl monitor), the drain after the repair and the origin's contents
# after destroy. NVF_FAULT_LOOPS rounds of the four faults (default 2).
# Needs no device; $ORIGIN and $PMEM are free. Leaves no device behind.

modprobe dm_mod 2>/dev/null
modprobe dm_flakey 2>/dev/null
modprobe dm_delay 2>/dev/null
f93_loops=${NVF_FAULT_LOOPS:-2}
f93_sectors=$(blockdev --getsz "$ORIGIN")
f93_linear="0 $f93_sectors linear $ORIGIN 0"
f93_first=$((64 * 256))		# the model: 512 blocks (2 MiB) from 64 MiB on
f93_blocks=512
f93_outside=$((200 * 256))	# a block outside the model
f93_dir=$(mktemp -d)
FDEV=/dev/mapper/nvf-fault

vb93() { python3 -S tests/vm/vblocks.py "$@"; }
# f93_show FIELD: one line of `dev show f0` (text: no python, which is slow
# under emulation); the first word of numbers such as "dirty"
f93_show() { nvfctl dev show f0 | sed -n "s/^$1: *\([^ ]*\).*/\1/p"; }
# f93_table TABLE: switch the origin's table (suspend, load, resume)
f93_table() {
	dmsetup suspend nvf-fault && dmsetup load nvf-fault --table "$1" &&
		dmsetup resume nvf-fault
}
f93_wait_degraded() {
	for _ in $(seq 100); do
		[ "$(f93_show degraded)" = yes ] && return 0
		sleep 0.2
	done
	return 1
}
# f93_wait_clean SECONDS: until f0 holds nothing dirty
f93_wait_clean() {
	for _ in $(seq $(($1 * 5))); do
		[ "$(f93_show dirty)" = 0 ] && return 0
		sleep 0.2
	done
	echo "still $(f93_show dirty) blocks dirty"
	return 1
}
# f93_drain_clean: start a drain and wait until nothing is dirty (dev drain
# itself gives up at once on a degraded device)
f93_drain_clean() {
	nvfctl dev drain f0 --no-wait >/dev/null && f93_wait_clean 120
}
# f93_stop PID: SIGINT, up to 10 s to end, then SIGKILL; its exit status
f93_stop() {
	kill -INT "$1" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
}
# f93_events FILE TYPE: how many TYPE events of f0 nvflushctl monitor
# printed (one JSON object a line: time, type, device, details)
f93_events() { grep -c "\"type\":\"$2\",\"device\":\"f0\"" "$1"; }
f93_next() { grep -o '"next": [0-9]*' "$1" | grep -o '[0-9]*$'; }
# f93_stat FIELD: a counter of f0's totals in `stats --json`
f93_stat() {
	nvfctl stats f0 --json | grep -o '"totals":{[^}]*}' |
		grep -o "\"$1\":[0-9]*" | grep -o '[0-9]*$'
}
f93_dd_write_fails() { # DEV BLOCK: a direct write fails with EIO
	local out
	out=$(dd if=/dev/zero of="$1" bs=4k seek="$2" count=1 oflag=direct 2>&1) &&
		{ echo "the write succeeded"; return 1; }
	grep -q "Input/output error" <<<"$out" || { echo "$out"; return 1; }
}

# f93_round KIND LOOP
f93_round() {
	local kind=$1 loop=$2 st=$f93_dir/state pre=$f93_dir/pre mon=$f93_dir/monitor
	local table D monpid fault_gen out writer
	case $kind in
	error_writes | drop_writes)
		table="0 $f93_sectors flakey $ORIGIN 0 0 3600 1 $kind" ;;
	error) table="0 $f93_sectors error" ;;
	delay) table="0 $f93_sectors delay $ORIGIN 0 0 $ORIGIN 0 20" ;;
	esac
	diag "origin fault $kind, round $loop"
	check "$kind: dm-linear origin" dmsetup create nvf-fault --table "$f93_linear"
	dmsetup mknodes >/dev/null 2>&1
	check "$kind: create f0 over it (--format)" \
		nvfctl dev create f0 --origin "$FDEV" --nvm "$PMEM" --format
	D=$(nvfctl dev show f0 | sed -n 's/^disk: *//p')
	check "$kind: the model's blocks written and drained to the origin" bash -c \
		"python3 tests/vm/vblocks.py init $D $st --first $f93_first --blocks $f93_blocks &&
		nvfctl dev drain f0 --timeout 120"
	cp "$st" "$pre"
	fault_gen=$(f93_next "$st")
	"$NVF_CTL" monitor --json --dev f0 >"$mon" 2>"$mon.err" &
	monpid=$!
	sleep 0.5	# nvflushctl subscribes at once
	check "$kind: switch the origin to $kind" f93_table "$table"

	case $kind in
	error_writes | error)
		# the destager runs in the background too (1% of the slots)
		nvfctl dev set f0 --high-watermark 1 --low-watermark 0 >/dev/null
		out=$(vb93 write "$D" "$st" --count 200 --seed "$loop" --tolerate-eio \
			--drain f0 --drain-every 40 --ctl "$NVF_CTL" 2>&1)
		check_eq "$kind: the writer ran to its end" 0 $?
		diag "$out"
		check "$kind: dev show says degraded: yes" f93_wait_degraded
		check "$kind: dev list --json reports it" bash -c \
			"nvfctl dev list --json | grep -q '\"degraded\":true'"
		writer=$(f93_stat bypassed_writes)
		check "$kind: a write that cannot be absorbed fails with EIO" \
			f93_dd_write_fails "$D" $f93_outside
		check "$kind: stats counts it as bypassed (absorbing stopped)" \
			test "$(f93_stat bypassed_writes)" -gt "$writer"
		if [ "$kind" = error ]; then
			# reads of blocks on the origin fail; what was written since
			# the fault began is in NVM and must read back
			check "$kind: every block written during the fault reads back, no wrong data" \
				vb93 verify "$D" "$st" --allow-eio-before "$fault_gen"
		else
			check "$kind: every block reads back as the model says" \
				vb93 verify "$D" "$st"
		fi
		check_fails "$kind: dev drain refuses to wait on a degraded device" 1 \
			"device is degraded" nvfctl dev drain f0 --timeout 30
		check "$kind: repair (back to linear)" f93_table "$f93_linear"
		check "$kind: destage retries and empties the NVM" f93_drain_clean
		check "$kind: dev drain completes" nvfctl dev drain f0 --timeout 60
		check_eq "$kind: the degraded state is sticky" yes "$(f93_show degraded)"
		check "$kind: after the repair every block reads back as the model says" \
			vb93 verify "$D" "$st"
		;;
	drop_writes)
		# no drain while writing: the blocks stay in NVM
		out=$(vb93 write "$D" "$st" --count 200 --seed "$loop" 2>&1)
		check_eq "$kind: the writer ran to its end, no error" 0 $?
		diag "$out"
		check "$kind: while held in NVM every block reads back as the model says" \
			vb93 verify "$D" "$st"
		check "$kind: the drain completes (the origin reports success)" \
			nvfctl dev drain f0 --timeout 120
		check_eq "$kind: nothing was detected: not degraded" no "$(f93_show degraded)"
		# what the product cannot help: the origin lost every block
		# destaged to it, and the device now returns the origin's
		# previous contents (never garbage)
		check "$kind: after the drain the blocks read as before the fault (the writes are lost)" \
			vb93 verify "$D" "$pre"
		check "$kind: repair (back to linear)" f93_table "$f93_linear"
		cp "$pre" "$st"
		;;
	delay)
		nvfctl dev set f0 --high-watermark 1 --low-watermark 0 >/dev/null
		out=$(vb93 write "$D" "$st" --count 200 --seed "$loop" \
			--drain f0 --drain-every 40 --ctl "$NVF_CTL" 2>&1)
		check_eq "$kind: the writer ran to its end, no error" 0 $?
		diag "$out"
		check "$kind: every block reads back as the model says" vb93 verify "$D" "$st"
		check "$kind: the drain completes over the slow origin" \
			nvfctl dev drain f0 --timeout 300
		check_eq "$kind: not degraded" no "$(f93_show degraded)"
		check "$kind: repair (back to linear)" f93_table "$f93_linear"
		;;
	esac

	sleep 1
	f93_stop $monpid
	check_eq "$kind: nvflushctl monitor ended cleanly" 0 $?
	case $kind in
	error_writes | error)
		check_eq "$kind: one degraded event" 1 "$(f93_events "$mon" degraded)"
		check "$kind: it names the origin and EIO" grep -qE \
			'"type":"degraded","device":"f0","reason":"origin (write|flush)","error":5' "$mon"
		;;
	*)
		check_eq "$kind: no degraded event" 0 "$(f93_events "$mon" degraded)" ;;
	esac
	check "$kind: destroy f0" nvfctl dev destroy f0
	check "$kind: remove the dm device" dmsetup remove nvf-fault
	check "$kind: the origin itself holds the model" vb93 verify "$ORIGIN" "$st"
}

for f93_loop in $(seq "$f93_loops"); do
	for f93_kind in error_writes drop_writes error delay; do
		f93_round $f93_kind "$f93_loop"
		# a failed round may leave its devices: the next starts clean
		nvfctl dev destroy f0 >/dev/null 2>&1
		dmsetup remove nvf-fault >/dev/null 2>&1
	done
done
check "no nvflush device is left" bash -c '! ls /sys/block | grep -q nvflush'
check "no dm device is left" bash -c '[ -z "$(dmsetup ls 2>/dev/null | grep -v "No devices found")" ]'
rm -rf "$f93_dir"
