# shellcheck shell=bash
# Data integrity through ext4 on the device, in absorb and in bypass mode.

check "mkfs.ext4 on d0" mkfs.ext4 -q -F /dev/nvflush0
mkdir -p /tmp/mnt-nvf
check "mount d0" mount /dev/nvflush0 /tmp/mnt-nvf
for mode in absorb bypass; do
	nvfctl dev set d0 --mode $mode >/dev/null
	check "fio verify through ext4 in $mode mode (4k-1M, fsync)" \
		fio --name=ext4-$mode --directory=/tmp/mnt-nvf --rw=randwrite \
		--bsrange=4k-1M --size=24M --ioengine=libaio --iodepth=8 --direct=1 \
		--verify=crc32c --verify_fatal=1 --fsync=8 --output=/dev/null
done
check "back to absorb mode" nvfctl dev set d0 --mode absorb
check "umount d0" umount /tmp/mnt-nvf
