# shellcheck shell=bash
# The NVM tier: absorb and bypass, reads served from NVM, commits and
# avoided origin flushes, drain, recovery of dirty data, NVM full.
# d0 (origin $ORIGIN, NVM $PMEM) exists and is not mounted.

MiB=$((1024 * 1024))
pat=/tmp/pattern-a
dd if=/dev/urandom of=$pat bs=1M count=8 status=none
# region A: 8 MiB at 160 MiB; region B: 8 MiB at 176 MiB (4 KiB blocks)
A=$((160 * 256))
B=$((176 * 256))
dev_read() { # DEV BLOCK COUNT(4k)
	dd if="$1" bs=4k skip="$2" count="$3" iflag=direct status=none
}
same() { cmp -s "$1" <(dev_read "$2" "$3" "$4"); }

check_eq "d0 is in absorb mode" absorb "$(dev_field d0 mode)"
# Start from an empty NVM (earlier suites leave blocks there, which later
# writes would update in NVM whatever the mode) and a flushed origin, so
# the flushes below find no origin write to make durable.
check "start from an empty NVM" nvfctl dev drain d0 --timeout 300
sleep 1	# the destager ends the drain just after the last batch
sync /dev/nvflush0
absorbed0=$(dev_field d0 absorbed_bytes)
dd if=$pat of=/dev/nvflush0 bs=64k seek=$((A / 16)) oflag=direct status=none
check "absorbed: the device returns the data" same $pat /dev/nvflush0 $A 2048
check "absorbed: the origin does not have it yet" bash -c "! cmp -s $pat <(dd if=$ORIGIN bs=4k skip=$A count=2048 iflag=direct status=none)"
check "8 MiB more were absorbed" test "$(dev_field d0 absorbed_bytes)" -ge $((absorbed0 + 8 * MiB))
check "reads of absorbed blocks are NVM hits" test "$(dev_field d0 read_hits)" -ge 2048

flushes=$(dev_field d0 flushes_absorbed)
avoided=$(dev_field d0 origin_flushes_avoided)
issued=$(dev_field d0 origin_flushes)
dd if=$pat of=/dev/nvflush0 bs=4k seek=$A count=1 oflag=direct status=none
sync /dev/nvflush0	# fsync of the block device: REQ_PREFLUSH
check "the flush completed in NVM" test "$(dev_field d0 flushes_absorbed)" -gt "$flushes"
check "a flush after absorbed writes only avoids the origin flush" \
	test "$(dev_field d0 origin_flushes_avoided)" -gt "$avoided"
check_eq "no origin flush was issued" "$issued" "$(dev_field d0 origin_flushes)"

check "dev set d0 --mode bypass" nvfctl dev set d0 --mode bypass
check_eq "d0 is in bypass mode" bypass "$(dev_field d0 mode)"
dd if=$pat of=/dev/nvflush0 bs=64k seek=$((B / 16)) oflag=direct status=none
check "bypass: the origin has the data at once" same $pat "$ORIGIN" $B 2048
hits=$(dev_field d0 write_hits)
dd if=/dev/zero of=/dev/nvflush0 bs=4k seek=$A count=1 oflag=direct status=none
check "bypass: a block in NVM is still updated in NVM" \
	test "$(dev_field d0 write_hits)" -gt "$hits"
check "bypass: the device reads the update" bash -c \
	"cmp -s <(head -c 4096 /dev/zero) <(dd if=/dev/nvflush0 bs=4k skip=$A count=1 iflag=direct status=none)"
dd if=$pat of=/dev/nvflush0 bs=4k seek=$A count=1 oflag=direct status=none
sync /dev/nvflush0
check "a flush after bypass writes flushes the origin" \
	test "$(dev_field d0 origin_flushes)" -gt "$issued"
check "fio verify in bypass mode" \
	fio --name=bypass --filename=/dev/nvflush0 --ioengine=libaio --direct=1 \
	--iodepth=8 --rw=randwrite --bsrange=4k-1M --offset=192M --size=24M \
	--verify=crc32c --verify_fatal=1 --fsync=16 --output=/dev/null
check "dev set d0 --mode absorb" nvfctl dev set d0 --mode absorb

# Recovery: dirty data survives destroy and re-create.
# The destager may still run until destroy stops it: the count that matters
# is the one destroy reports once the destager has stopped.
check "dirty data is committed and kept across destroy" nvfctl dev destroy d0
dirty=$(dmesg | sed -n 's/.*nvflush: d0: \([0-9]*\) dirty blocks stay committed in NVM$/\1/p' | tail -1)
check "destroy reports the dirty blocks it kept" test "${dirty:-0}" -gt 0
check "re-create recovers" nvfctl dev create d0 --origin "$ORIGIN" --nvm "$PMEM"
check_eq "every dirty block was recovered" "$dirty" "$(dev_field d0 recovered_blocks)"
check "recovered data reads back" same $pat /dev/nvflush0 $A 2048
check_fails "--format refuses an NVM holding committed data" 1 \
	"holds committed data for this origin" bash -c \
	'nvfctl dev destroy d0 && nvfctl dev create d0 --origin "$ORIGIN" --nvm "$PMEM" --format'
nvfctl dev create d0 --origin "$ORIGIN" --nvm "$PMEM" >/dev/null 2>&1
check "d0 is back" test -b /dev/nvflush0

check "drain destages everything" nvfctl dev drain d0 --timeout 120
check_eq "nothing dirty after the drain" 0 "$(dev_field d0 dirty_blocks)"
check "after the drain the origin holds region A" same $pat "$ORIGIN" $A 2048
check "destage merged adjacent blocks" \
	test "$(dev_field d0 destage_writes)" -lt "$(($(dev_field d0 destaged_bytes) / 4096))"

# NVM full: a small NVM (the second NVDIMM as fsdax) in front of the spare
# disk; writing more than the NVM holds makes writers wait for destage.
if ndctl create-namespace -f -e namespace1.0 -m fsdax >/dev/null 2>&1; then
	small=$(small_nvm)
	check "small NVM available" test -n "$small"
	check "create d1 on the small NVM" \
		nvfctl dev create d1 --origin "$SPARE" --nvm "$small" --format
	slots=$(dev_field d1 nvm_slots)
	diag "small NVM: $slots slots"
	check "fio verify writing 2x the NVM size (destage makes room)" \
		fio --name=full --filename=/dev/nvflush1 --ioengine=libaio --direct=1 \
		--iodepth=8 --rw=write --bs=256k --size=$((slots * 8))k \
		--verify=crc32c --verify_fatal=1 --output=/dev/null
	check "the destager ran while the NVM filled" \
		test "$(dev_field d1 destaged_bytes)" -gt 0
	diag "d1: writers waited $(dev_field d1 slot_wait_usec) us for slots"
	check "drain d1" nvfctl dev drain d1 --timeout 120
	check "destroy d1" nvfctl dev destroy d1
else
	check "convert the second NVDIMM to fsdax" false
fi
