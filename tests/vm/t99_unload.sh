# shellcheck shell=bash
# Unloading leaves nothing behind.

check_eq "module reference count back to 0" 0 "$(cat /sys/module/nvflush/refcnt)"
check "rmmod nvflush" rmmod nvflush
check "module is gone" test ! -e /sys/module/nvflush
check "no nvflush block devices remain" bash -c '! ls /sys/block | grep -q nvflush'
check_fails "without the module, nvflushctl says so" 1 "not loaded" \
	nvfctl dev list

# On a kernel with kmemleak (the debug kernel): after the unload nothing may
# be left unreferenced, whoever allocated it, except the one leak of the
# kernel's own slab code that tests/vm/kmemleak.py names (a failed sysfs
# registration of a new slab cache, which t97's failslab sweeps trigger).
kmemleak_check "kmemleak reports no unreferenced object after rmmod" kmemleak.txt
