# shellcheck shell=bash
# NVM media errors, emulated with the pmem driver's bad block list
# (/sys/block/pmemN/badblocks: writing "SECTOR COUNT" adds a range; the list
# cannot be shortened through sysfs, so it is cleared by disabling and
# enabling the namespace, which re-reads the bus's (empty) error list).
# (a) A bad range in an NVM makes dev create refuse it, with and without
# --format, and write nothing. (b) Once a device runs, a read of a block
# whose NVM slot is listed as bad fails with EIO, never with other data;
# every other block reads back; the destager keeps the unreadable blocks in
# NVM; once the range is cleared they read back and drain to the origin.
# Uses the small NVDIMM (fsdax, as t60 leaves it) in front of $SPARE.

b94_dir=$(mktemp -d)
b94_small=$(small_nvm)
if [ -z "$b94_small" ]; then
	ndctl create-namespace -f -e namespace1.0 -m fsdax >/dev/null 2>&1
	b94_small=$(small_nvm)
fi
check "the small NVM is fsdax" test -n "$b94_small"
b94_disk=${b94_small#/dev/}
BB=/sys/block/$b94_disk/badblocks
b94_ns=$(ndctl list -N | python3 -c '
import json, sys
print([n["dev"] for n in json.load(sys.stdin) if n.get("blockdev") == sys.argv[1]][0])' "$b94_disk")
diag "small NVM $b94_small (namespace $b94_ns), bad block list $BB"

vb94() { python3 -S tests/vm/vblocks.py "$@"; }
b94_show() { nvfctl dev show b0 | sed -n "s/^$1: *\\([^ ]*\\).*/\\1/p"; }
# b94_clear: empty the bad block list (the namespace is re-probed)
b94_clear() {
	ndctl disable-namespace "$b94_ns" >/dev/null &&
		ndctl enable-namespace "$b94_ns" >/dev/null || return 1
	for _ in $(seq 50); do
		[ -b "$b94_small" ] && [ -e "$BB" ] && break
		sleep 0.1
	done
	[ -z "$(cat "$BB")" ] || { echo "still listed: $(cat "$BB")"; return 1; }
}
# b94_refused DESC ARGS...: dev create fails (exit 1) naming the mapping
b94_refused() {
	local desc=$1 out st
	shift
	out=$(nvfctl dev create b0 --origin "$SPARE" --nvm "$b94_small" "$@" 2>&1) && st=0 || st=$?
	if [ "$st" -eq 1 ] && grep -qE \
		"NVM (cannot be mapped through DAX|is not directly accessible as one range)" <<<"$out"; then
		_tap_result 0 "$desc" ""
	else
		_tap_result 1 "$desc" "exit status $st (wanted 1), output: $out"
	fi
}
b94_no_device() { ! ls /sys/block | grep -q nvflush; }
# b94_read_fails DEV BLOCK: a direct read fails with EIO
b94_read_fails() {
	local out
	out=$(dd if="$1" of=/dev/null bs=4k skip="$2" count=1 iflag=direct 2>&1) &&
		{ echo "the read succeeded"; return 1; }
	grep -q "Input/output error" <<<"$out" || { echo "$out"; return 1; }
}
# b94_wait_dirty N: until b0 holds N dirty blocks (30 s)
b94_wait_dirty() {
	for _ in $(seq 150); do
		[ "$(b94_show dirty)" = "$1" ] && return 0
		sleep 0.2
	done
	echo "$(b94_show dirty) blocks dirty, wanted $1"
	return 1
}

# An earlier suite may have left blocks in the small NVM for $SPARE (a
# destroy keeps them): a wiped superblock lets the first create format it.
nvm_wipe "$b94_small"

# (a) A bad range before create.
check "the bad block list starts empty" test -z "$(cat "$BB")"
check "format the small NVM for $SPARE" \
	nvfctl dev create b0 --origin "$SPARE" --nvm "$b94_small" --format
b94_uuid=$(b94_show "nvm uuid")
check "destroy b0" nvfctl dev destroy b0
check "mark 8 sectors at 2 MiB bad" bash -c "echo '4096 8' >$BB"
check_eq "the list shows the range" "4096 8" "$(cat "$BB")"
b94_refused "create --format over a bad range is refused"  --format
b94_refused "create (recover) over a bad range is refused"
check "nothing was created by the refusals" b94_no_device
check "clear the list (namespace disabled and enabled)" b94_clear
check "create without --format works again" \
	nvfctl dev create b0 --origin "$SPARE" --nvm "$b94_small"
check_eq "the refused --format wrote nothing (same tier uuid)" \
	"$b94_uuid" "$(b94_show "nvm uuid")"

# (b) Bad blocks while the device runs.
D=$(nvfctl dev show b0 | sed -n 's/^disk: *//p')
check "64 blocks written and drained to the origin" bash -c \
	"python3 -S tests/vm/vblocks.py init $D $b94_dir/onorigin --first 1024 --blocks 64 &&
	nvfctl dev drain b0 --timeout 120"
check "192 blocks written and absorbed (fsync)" \
	vb94 init "$D" "$b94_dir/innvm" --first 0 --blocks 192
check_eq "NVM holds the 192 blocks" 192 "$(b94_show dirty)"
# Where are they? The slot map is not exposed: read the NVM itself while no
# device holds it. The slots stay where they are across destroy and create.
check "destroy b0 (the blocks stay committed in NVM)" nvfctl dev destroy b0
vb94 locate "$b94_small" "$b94_dir/innvm" >"$b94_dir/map" 2>/dev/null
check_eq "every absorbed block found in an NVM slot" 192 "$(wc -l <"$b94_dir/map")"
check "create b0 again: recovery" \
	nvfctl dev create b0 --origin "$SPARE" --nvm "$b94_small"
check_eq "192 blocks recovered" 192 "$(b94_show "recovered blocks")"
# every other block's slot is marked bad
awk 'NR % 2 == 1' "$b94_dir/map" >"$b94_dir/bad"
b94_nbad=$(wc -l <"$b94_dir/bad")
check "mark the slots of $b94_nbad blocks bad" bash -c "
	while read -r b off; do echo \"\$((off / 512)) 8\" >$BB || exit 1; done <$b94_dir/bad"
check "the list has them" test "$(wc -l <"$BB")" -ge 1
b94_first_bad=$(head -n 1 "$b94_dir/bad" | cut -d' ' -f1)
b94_first_good=$(sed -n 2p "$b94_dir/map" | cut -d' ' -f1)
check "a read of a block in a bad slot fails with EIO (dd)" \
	b94_read_fails "$D" "$b94_first_bad"
check "a read of a block in a good slot succeeds (dd)" \
	dd if="$D" of=/dev/null bs=4k skip="$b94_first_good" count=1 iflag=direct status=none
check "every bad block reads EIO, every other NVM block reads back as written" \
	vb94 verify "$D" "$b94_dir/innvm" --eio-set "$b94_dir/bad"
check "the blocks on the origin read back as written" \
	vb94 verify "$D" "$b94_dir/onorigin"
check_eq "the failed NVM read latched the degraded state" yes "$(b94_show degraded)"
check "the kernel log names the NVM read" bash -c \
	"dmesg | grep -q 'b0: degraded: NVM read failed'"
check "start a drain" nvfctl dev drain b0 --no-wait
check "the destager writes back every readable block and keeps the bad ones" \
	b94_wait_dirty "$b94_nbad"
check "the bad blocks still read EIO, the others read back (now from the origin)" \
	vb94 verify "$D" "$b94_dir/innvm" --eio-set "$b94_dir/bad"
check "destroy b0 (the unreadable blocks stay committed)" nvfctl dev destroy b0
check "clear the list" b94_clear
check "create b0 again: recovery" \
	nvfctl dev create b0 --origin "$SPARE" --nvm "$b94_small"
check_eq "the blocks that were unreadable are recovered" "$b94_nbad" \
	"$(b94_show "recovered blocks")"
check "every block reads back as written" vb94 verify "$D" "$b94_dir/innvm"
check "drain b0" nvfctl dev drain b0 --timeout 120
check_eq "b0 is not degraded" no "$(b94_show degraded)"
check "destroy b0" nvfctl dev destroy b0
check "the origin holds every block as written" bash -c \
	"python3 -S tests/vm/vblocks.py verify $SPARE $b94_dir/innvm &&
	python3 -S tests/vm/vblocks.py verify $SPARE $b94_dir/onorigin"
check "no device is left" b94_no_device
rm -rf "$b94_dir"
