# shellcheck shell=bash
# The NVM superblock: identity of the tier and of its origin, refusal of
# blank, damaged and foreign NVM, and the explicit --format.

# corrupt OFFSET BYTES: overwrite NVM bytes at OFFSET (no device holds it)
corrupt() {
	dd if=/dev/urandom of="$PMEM" bs=1 seek="$1" count="$2" conv=notrunc status=none
}

check "re-create without --format keeps the tier" \
	nvfctl dev create s0 --origin "$ORIGIN" --nvm "$PMEM"
uuid1=$(dev_field s0 nvm_uuid)
check "the tier has a uuid" grep -qE '^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$' <<<"$uuid1"
check "the tier has data slots" test "$(dev_field s0 nvm_slots)" -gt 16
check_eq "nothing to recover yet" 0 "$(dev_field s0 recovered_blocks)"
check "destroy s0" nvfctl dev destroy s0

check_fails "an NVM formatted for another origin is refused" 1 \
	"NVM is formatted for a different origin" \
	nvfctl dev create s1 --origin "$SPARE" --nvm "$PMEM"
check "--format re-initializes it for the new origin" \
	nvfctl dev create s1 --origin "$SPARE" --nvm "$PMEM" --format
check "--format gives the tier a new uuid" test "$(dev_field s1 nvm_uuid)" != "$uuid1"
check "destroy s1" nvfctl dev destroy s1

corrupt 40 4
check_fails "a damaged superblock is refused" 1 "NVM superblock is damaged" \
	nvfctl dev create s2 --origin "$SPARE" --nvm "$PMEM"
check "--format repairs a damaged superblock" \
	nvfctl dev create s2 --origin "$SPARE" --nvm "$PMEM" --format
check "destroy s2" nvfctl dev destroy s2

nvm_wipe "$PMEM"
check_fails "a wiped superblock reads as blank" 1 "NVM is not formatted for nvflush" \
	nvfctl dev create s3 --origin "$ORIGIN" --nvm "$PMEM"
check "no device was left by the refusals" bash -c '! ls /sys/block | grep -q nvflush'
