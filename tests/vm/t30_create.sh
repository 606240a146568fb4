# shellcheck shell=bash
# A device over the origin and the NVM: node, queue limits, claims, EBUSY.

check_fails "a blank NVM needs --format" 1 "NVM is not formatted for nvflush" \
	nvfctl dev create d0 --origin "$ORIGIN" --nvm "$PMEM"
check "nothing was created by the refusal" test ! -e /dev/nvflush0
check "create d0 with --format" \
	nvfctl dev create d0 --origin "$ORIGIN" --nvm "$PMEM" --format
check "/dev/nvflush0 is a block device" test -b /dev/nvflush0
q=/sys/block/nvflush0/queue
check_eq "logical block size 4096" 4096 "$(cat $q/logical_block_size)"
check_eq "physical block size 4096" 4096 "$(cat $q/physical_block_size)"
check_eq "volatile write cache advertised" "write back" "$(cat $q/write_cache)"
check_eq "FUA advertised" 1 "$(cat $q/fua)"
check_eq "capacity equals the origin's (4 KiB aligned)" \
	$(($(blockdev --getsize64 "$ORIGIN") / 4096 * 4096)) \
	"$(blockdev --getsize64 /dev/nvflush0)"
check_eq "dev show reports the NVM size" "$(blockdev --getsize64 "$PMEM")" \
	"$(nvfctl dev show d0 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nvm_size"])')"
check_eq "discard limit follows the origin" \
	"$( [ "$(cat /sys/block/vda/queue/discard_max_bytes)" -gt 0 ] && echo yes || echo no)" \
	"$( [ "$(cat $q/discard_max_bytes)" -gt 0 ] && echo yes || echo no)"
check_fails "duplicate name" 1 "a device with this name exists" \
	nvfctl dev create d0 --origin "$SPARE" --nvm "$PMEM"
check_fails "NVM already claimed by d0" 1 "NVM is in use" \
	nvfctl dev create d1 --origin "$SPARE" --nvm "$PMEM"
check_fails "origin already claimed by d0" 1 "origin is in use" \
	nvfctl dev create d1 --origin "$ORIGIN" --nvm "$RAWPMEM"
check_fails "stacking on an nvflush device" 1 "origin is itself an nvflush device" \
	nvfctl dev create d1 --origin /dev/nvflush0 --nvm "$PMEM"
check "unprivileged dev list is allowed" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NVF_CTL" dev list
check "unprivileged stats is allowed" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NVF_CTL" stats d0
check_fails "unprivileged destroy gets EPERM" 1 "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NVF_CTL" dev destroy d0
check "d0 survives the unprivileged destroy" test -b /dev/nvflush0
# every other mutating operation as well: nothing changes
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$NVF_CTL" "$@"; }
check_fails "unprivileged dev create gets EPERM" 1 "Operation not permitted" \
	nobody dev create d9 --origin "$SPARE" --nvm "$RAWPMEM"
check_fails "unprivileged dev set gets EPERM" 1 "Operation not permitted" \
	nobody dev set d0 --mode bypass
check_eq "d0's mode is unchanged" absorb "$(dev_field d0 mode)"
check_fails "unprivileged dev drain gets EPERM" 1 "Operation not permitted" \
	nobody dev drain d0 --no-wait
check_fails "unprivileged policy set gets EPERM" 1 "Operation not permitted" \
	nobody policy set d0 / --mode bypass
# t30_unpriv_monitor: an unprivileged monitor gets an event; d0's settings
# are set (to their defaults) until it has subscribed and printed one
t30_unpriv_monitor() {
	local out pid st
	out=$(mktemp)
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NVF_CTL" monitor --count 1 >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 120); do
		kill -0 "$pid" 2>/dev/null || break
		"$NVF_CTL" dev set d0 --destage-rate 0 >/dev/null
		sleep 0.5
	done
	kill "$pid" 2>/dev/null
	wait "$pid" && st=0 || st=$?
	cat "$out"
	grep -q "policy-changed" "$out" && [ "$st" = 0 ] && rm -f "$out"
}
check "unprivileged monitor is allowed (any user may subscribe and gets events)" \
	t30_unpriv_monitor

check "mkfs.ext4 on /dev/nvflush0" mkfs.ext4 -q -F /dev/nvflush0
mkdir -p /tmp/mnt-nvf
check "mount /dev/nvflush0" mount /dev/nvflush0 /tmp/mnt-nvf
check_fails "destroy of a mounted device is EBUSY" 1 "Device or resource busy" \
	nvfctl dev destroy d0
check "mounted device survives the refused destroy" mountpoint -q /tmp/mnt-nvf
check_eq "dev show counts the mount as an opener" 1 \
	"$(nvfctl dev show d0 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["openers"])')"
check_fails "rmmod with a device present is refused" 1 "in use" rmmod nvflush
