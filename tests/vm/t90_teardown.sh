# shellcheck shell=bash
# Destroy and unload leave nothing behind and release the lower devices.

NVF_SUM=$(dd if=/dev/nvflush0 bs=1M count=96 iflag=direct status=none | md5sum)
check "drain d0" nvfctl dev drain d0 --timeout 120
check_eq "nothing dirty after the drain" 0 "$(dev_field d0 dirty_blocks)"
check "destroy d0" nvfctl dev destroy d0
check "device node is gone" test ! -e /dev/nvflush0
check "sysfs entry is gone" test ! -e /sys/block/nvflush0
check_eq "origin holds exactly what was read through the device" "$NVF_SUM" \
	"$(dd if="$ORIGIN" bs=1M count=96 status=none | md5sum)"
check "claims released: the same devices can be used again (no --format)" \
	nvfctl dev create again --origin "$ORIGIN" --nvm "$PMEM"
check "destroy again" nvfctl dev destroy again
