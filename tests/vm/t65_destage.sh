# shellcheck shell=bash
# Destage pacing against a slow origin: settings validation, the rate cap,
# back-off while foreground I/O runs, and a full NVM where writers wait for
# destage without a hang (hung_task_panic=1 is on the kernel command line;
# the timeout is cut to 10 s here). The small NVM is the second NVDIMM (made
# fsdax by t60); the origin is the spare disk behind dm-delay.

MiB=$((1024 * 1024))
modprobe dm_delay 2>/dev/null
small=$(small_nvm)
sectors=$(blockdev --getsz "$SPARE")
# writes and flushes take 20 ms: the origin is far slower than the NVM
check "dm-delay origin (writes and flushes 20 ms)" \
	dmsetup create nvf-slow --table "0 $sectors delay $SPARE 0 0 $SPARE 0 20"
dmsetup mknodes >/dev/null 2>&1
SLOW=/dev/mapper/nvf-slow
hung_old=$(cat /proc/sys/kernel/hung_task_timeout_secs 2>/dev/null || echo)
[ -n "$hung_old" ] && echo 10 >/proc/sys/kernel/hung_task_timeout_secs
check "create d1: small NVM $small over the slow origin" \
	nvfctl dev create d1 --origin "$SLOW" --nvm "$small" --format
slots=$(dev_field d1 nvm_slots)
D1=/dev/$(dev_field d1 disk)
diag "small NVM: $slots slots; d1 is $D1"

# Settings: defaults, rejections that change nothing, accepted changes.
check_eq "default high watermark 50%" 50 "$(dev_field d1 high_watermark)"
check_eq "default low watermark 25%" 25 "$(dev_field d1 low_watermark)"
check_eq "no rate cap by default" 0 "$(dev_field d1 destage_rate)"
check_fails "low watermark at or above the high one is refused (client)" 2 \
	"must be below --high-watermark" \
	nvfctl dev set d1 --low-watermark 60 --high-watermark 60 --destage-rate 1M
check_fails "kernel: low watermark above the current high one is refused" 1 \
	"low-watermark must be below high-watermark" \
	nvfctl dev set d1 --low-watermark 70 --destage-rate 1M
check_eq "a refused set changed nothing (rate)" 0 "$(dev_field d1 destage_rate)"
check_eq "a refused set changed nothing (low)" 25 "$(dev_field d1 low_watermark)"
check "set watermarks 10%/5% and a 1 MiB/s cap" \
	nvfctl dev set d1 --high-watermark 10 --low-watermark 5 --destage-rate 1M
check_eq "high watermark is 10%" 10 "$(dev_field d1 high_watermark)"
check_eq "rate cap is 1 MiB/s" $MiB "$(dev_field d1 destage_rate)"

# fields NAME...: d1's dev show fields, one line, with the uptime in ms
fields() {
	nvfctl dev show d1 --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
up = float(open("/proc/uptime").read().split()[0])
print(int(up * 1000), *[d[k] for k in sys.argv[1:]])' "$@"
}

# Rate cap: 40% of the NVM absorbed; once the writer stops, the destager
# drains at no more than the cap.
fill=$((slots * 4 / 10))
pat=/tmp/pattern-d
dd if=/dev/urandom of=$pat bs=4k count=$fill status=none
check "absorb 40% of the NVM" \
	dd if=$pat of="$D1" bs=64k oflag=direct status=none
sleep 1
read -r t0 b0 < <(fields destaged_bytes)
sleep 4
read -r t1 b1 u1 < <(fields destaged_bytes destage_throttle_usec)
ms=$((t1 - t0))
diag "destaged $((b1 - b0)) bytes in $ms ms under a 1 MiB/s cap"
check "the destager ran under the cap" test "$b1" -gt "$b0"
check "the cap held: <= elapsed x 1 MiB/s + two batches" \
	test $((b1 - b0)) -le $((MiB * ms / 1000 + 2 * MiB))
check "throttled time is counted" test "$u1" -gt 0

# Back-off: no cap; while a writer and then a reader keep the device busy
# the running destager pauses (dirty is below the pressure level).
check "remove the cap" nvfctl dev set d1 --destage-rate 0
read -r _ back0 < <(fields destage_backoffs)
check "absorb 20% of the NVM more (below the pressure level)" \
	dd if=$pat of="$D1" bs=4k seek=$fill count=$((fill / 2)) oflag=direct status=none
# reads of blocks not in NVM, again and again (one pass is quick)
timeout 3 bash -c "while dd if=$D1 of=/dev/null bs=4k skip=$((fill * 2)) \
	count=2048 iflag=direct status=none; do :; done"
read -r _ back1 dirty1 < <(fields destage_backoffs dirty_blocks)
diag "$((back1 - back0)) back-offs while the writer and the reader ran ($dirty1 blocks dirty after)"
check "the destager backed off for foreground I/O" test "$back1" -gt "$back0"
low=$((slots * 5 / 100))
wait_low() {
	local i
	for i in $(seq 60); do
		[ "$(dev_field d1 dirty_blocks)" -le "$low" ] && return 0
		sleep 0.5
	done
	return 1
}
check "after the reader stops it destages down to the low watermark" wait_low
check "the destaged data is on the origin" \
	cmp -s -n $((256 * 4096)) $pat "$SLOW"

# NVM full: writers wait for destage through the slow origin; a cap does
# not apply while they wait.
check "watermarks 50%/25%, a 1 MiB/s cap" \
	nvfctl dev set d1 --high-watermark 50 --low-watermark 25 --destage-rate 1M
check "fio verify writing 2x the NVM over the slow origin" \
	fio --name=full --filename=$D1 --ioengine=libaio --direct=1 \
	--iodepth=8 --rw=write --bs=256k --size=$((slots * 8))k \
	--verify=crc32c --verify_fatal=1 --verify_state_save=0 --output=/dev/null
wait_us=$(dev_field d1 slot_wait_usec)
diag "writers waited $wait_us us for free slots"
check "writers waited for free slots" test "$wait_us" -gt 0
check "drain d1" nvfctl dev drain d1 --timeout 300
check "destroy d1" nvfctl dev destroy d1
check "the origin holds what fio wrote (verify from the raw origin)" \
	fio --name=full --filename="$SLOW" --ioengine=libaio --direct=1 \
	--iodepth=8 --rw=write --bs=256k --size=$((slots * 8))k \
	--verify=crc32c --verify_only=1 --verify_fatal=1 --verify_state_save=0 \
	--output=/dev/null
[ -n "$hung_old" ] && echo "$hung_old" >/proc/sys/kernel/hung_task_timeout_secs
dmsetup remove nvf-slow >/dev/null 2>&1
