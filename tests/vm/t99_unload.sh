# shellcheck shell=bash
# Unloading leaves nothing behind.

check_eq "module reference count back to 0" 0 "$(cat /sys/module/nvflush/refcnt)"
check "rmmod nvflush" rmmod nvflush
check "module is gone" test ! -e /sys/module/nvflush
check "no nvflush block devices remain" bash -c '! ls /sys/block | grep -q nvflush'
check_fails "without the module, nvflushctl says so" 1 "not loaded" \
	nvfctl dev list

# On a kernel with kmemleak (the debug kernel): after the unload nothing may
# be left unreferenced. kmemleak reports an object only when it is older than
# 5 s and unchanged since the previous scan, hence two scans with a pause
# between them. Any report fails, whoever allocated it; the whole report is
# kept in kmemleak.txt of the run's output folder.
no_kmemleak_report() {
	local leaks
	leaks=$(cat /sys/kernel/debug/kmemleak) || return 1
	[ -z "$leaks" ] && return 0
	printf '%s\n' "$leaks" >"${NVFLUSH_VM_OUT:-.}/kmemleak.txt"
	printf '%s\n' "$leaks" | head -n 40
	return 1
}
if grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "/boot/config-$(uname -r)" 2>/dev/null; then
	check "kmemleak scan" bash -c 'echo scan >/sys/kernel/debug/kmemleak &&
		sleep 6 && echo scan >/sys/kernel/debug/kmemleak'
	check "kmemleak reports no unreferenced object after rmmod" no_kmemleak_report
fi
