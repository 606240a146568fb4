# shellcheck shell=bash
# Data integrity through the device, flush/FUA/discard forwarding.

check "fio random-write verify (4k-256k, direct, fsync)" \
	fio --name=verify --filename=/dev/nvflush0 --ioengine=libaio --direct=1 \
	--iodepth=16 --rw=randwrite --bsrange=4k-256k --size=48M \
	--verify=crc32c --verify_fatal=1 --fsync=32 --randrepeat=0 \
	--output=/dev/null
check "fio buffered verify (sequential, 1M)" \
	fio --name=buffered --filename=/dev/nvflush0 --ioengine=psync \
	--rw=write --bs=1M --offset=64M --size=32M --verify=md5 \
	--verify_fatal=1 --end_fsync=1 --output=/dev/null
fua_before=$(stats_field d0 TOTAL fua_writes)
flush_before=$(stats_field d0 TOTAL flushes)
dd if=/dev/urandom of=/dev/nvflush0 bs=4k count=1 seek=100 oflag=direct,dsync status=none
check "O_DSYNC direct write reaches the device as FUA" \
	test "$(stats_field d0 TOTAL fua_writes)" -gt "$fua_before"
sync /dev/nvflush0	# fsync of the block device
check "fsync of the device sends a flush" \
	test "$(stats_field d0 TOTAL flushes)" -gt "$flush_before"
if [ "$(cat /sys/block/nvflush0/queue/discard_max_bytes)" -gt 0 ]; then
	check "discard is forwarded and counted" bash -c '
		blkdiscard -o 128M -l 1M /dev/nvflush0 &&
		test "$(stats_field d0 TOTAL discard_bytes)" -ge 1048576'
else
	check "discard is refused when the origin has none" \
		sh -c '! blkdiscard -o 128M -l 1M /dev/nvflush0'
fi
