# shellcheck shell=bash
# Bad input is refused with its own message and creates nothing.

mkfs.ext4 -q -F "$SPARE" >/dev/null 2>&1
no_device_created() {
	[ -z "$(ls /sys/block | grep '^nvflush')" ] &&
		nvfctl dev list --json | grep -q '"devices": *\[\]'
}

check_fails "missing origin path" 1 "origin path does not exist" \
	nvfctl dev create bad --origin /dev/nonexistent --nvm "$PMEM"
check_fails "missing NVM path" 1 "NVM path does not exist" \
	nvfctl dev create bad --origin "$ORIGIN" --nvm /dev/nonexistent
check_fails "origin not a block device" 1 "origin is not a block device" \
	nvfctl dev create bad --origin /etc/passwd --nvm "$PMEM"
check_fails "NVM not a block device" 1 "NVM is not a block device" \
	nvfctl dev create bad --origin "$ORIGIN" --nvm /dev/null
check_fails "NVM that is a disk (no DAX)" 1 "NVM does not support DAX" \
	nvfctl dev create bad --origin "$ORIGIN" --nvm "$SPARE"
check_fails "NVM that is a raw pmem namespace (no DAX)" 1 \
	"NVM does not support DAX" \
	nvfctl dev create bad --origin "$ORIGIN" --nvm "$RAWPMEM"
check_fails "origin == NVM" 1 "origin and NVM are the same device" \
	nvfctl dev create bad --origin "$PMEM" --nvm "$PMEM"
mkdir -p /tmp/mnt-spare && mount "$SPARE" /tmp/mnt-spare
check_fails "origin in use (mounted)" 1 "origin is in use" \
	nvfctl dev create bad --origin "$SPARE" --nvm "$PMEM"
umount /tmp/mnt-spare
# nvflushctl refuses bad names itself (usage error); the kernel's own
# checks are exercised through the YNL client in t35_ynl.sh and below.
check_fails "over-long name is a usage error" 2 "longer than 31 bytes" \
	nvfctl dev create "$(printf 'n%.0s' $(seq 32))" --origin "$ORIGIN" --nvm "$PMEM"
check_fails "name with a slash is a usage error" 2 "contains '/'" \
	nvfctl dev create a/b --origin "$ORIGIN" --nvm "$PMEM"
# The kernel's own check takes only ASCII letters (its isalnum() takes
# Latin-1 ones too); nvflushctl and YNL never send such bytes, so a raw
# request does: UTF-8 "café" and Latin-1 "caf\xe9".
check_fails "kernel refuses a UTF-8 name with a non-ASCII letter" 1 \
	"device name may only contain" \
	python3 -S tests/vm/nlraw.py dev-create 636166c3a9 "$ORIGIN" "$PMEM"
check_fails "kernel refuses a name with a Latin-1 letter" 1 \
	"device name may only contain" \
	python3 -S tests/vm/nlraw.py dev-create 636166e9 "$ORIGIN" "$PMEM"
check_fails "the raw request with an ASCII name gets past the name check" 1 \
	"origin path does not exist" \
	python3 -S tests/vm/nlraw.py dev-create 7261772d6f6b /dev/nonexistent "$PMEM"
check_fails "missing --nvm is a usage error" 2 "nvm" \
	nvfctl dev create bad --origin "$ORIGIN"
check_fails "destroy of an unknown device" 1 "no such device" \
	nvfctl dev destroy nosuch
check_fails "show of an unknown device" 1 "no such device" \
	nvfctl dev show nosuch
check_fails "stats of an unknown device" 1 "no such device" \
	nvfctl stats nosuch
check_fails "unprivileged create gets EPERM" 1 "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$NVF_CTL" dev create bad --origin "$ORIGIN" --nvm "$PMEM"
check "nothing was created by any refused request" no_device_created
