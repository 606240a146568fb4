# shellcheck shell=bash
# Destroy and unload leave nothing behind and release the lower devices.

check "destroy d0" nvfctl dev destroy d0
check "device node is gone" test ! -e /dev/nvflush0
check "sysfs entry is gone" test ! -e /sys/block/nvflush0
check_eq "origin holds exactly what was read through the device" "$NVF_SUM" \
	"$(dd if="$ORIGIN" bs=1M count=96 status=none | md5sum)"
check "claims released: the same devices can be used again" bash -c '
	nvfctl dev create again --origin "$ORIGIN" --nvm "$PMEM" &&
	nvfctl dev destroy again'
check_eq "module reference count back to 0" 0 "$(cat /sys/module/nvflush/refcnt)"
check "rmmod nvflush" rmmod nvflush
check "module is gone" test ! -e /sys/module/nvflush
check "no nvflush block devices remain" bash -c '! ls /sys/block | grep -q nvflush'
check_fails "without the module, nvflushctl says so" 1 "not loaded" \
	nvfctl dev list
