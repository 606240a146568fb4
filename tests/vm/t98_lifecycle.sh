# shellcheck shell=bash
# Module and device lifecycle under control-plane traffic: while a
# background loop keeps reading through netlink (dev list, stats --json,
# policy list, dev show), NVF_LIFECYCLE_LOOPS times (default 3): create a
# device, write and verify blocks through it, try to unload the module
# (refused while the device exists; the device still works), destroy it,
# unload and load the module again. Afterwards: no device, no kernel thread
# and no slab cache of the module left (the slab caches listed in
# /sys/kernel/slab are those of before the loops), and on a kernel with
# kmemleak no unreferenced object allocated by the module.
# Needs no device; $ORIGIN and $PMEM are free (what $PMEM holds is wiped). The module is loaded at the end.

l98_loops=${NVF_LIFECYCLE_LOOPS:-3}
l98_dir=$(mktemp -d)
vb98() { python3 -S tests/vm/vblocks.py "$@"; }
l98_slabs() { ls /sys/kernel/slab | sort; }
# the control-plane traffic; each round counted in $l98_dir/rounds
l98_traffic() {
	local n=0
	while [ ! -e "$l98_dir/stop" ]; do
		"$NVF_CTL" dev list >/dev/null 2>&1
		"$NVF_CTL" stats --json >/dev/null 2>&1
		"$NVF_CTL" policy list --json >/dev/null 2>&1
		"$NVF_CTL" dev show l0 >/dev/null 2>&1
		n=$((n + 1))
		echo $n >"$l98_dir/rounds"
	done
}
# l98_rmmod: unload; a netlink dump in progress holds a module reference
# for its duration, so a busy module is retried for a while. rmmod says
# "in use" when it sees the reference itself, and the kernel's EAGAIN
# ("Resource temporarily unavailable") when a dump takes one after rmmod
# looked at the count and before delete_module() ran.
l98_rmmod() {
	local out
	for _ in $(seq 100); do
		out=$(rmmod nvflush 2>&1) && return 0
		grep -Eq "in use|Resource temporarily unavailable" <<<"$out" ||
			{ echo "$out"; return 1; }
		sleep 0.1
	done
	echo "$out (refcnt $(cat /sys/module/nvflush/refcnt 2>/dev/null))"
	return 1
}
# l98_no_threads NAME: no kernel thread (destager, workqueue rescuer) of NAME
l98_no_threads() {
	! grep -lx "nvflush-$1" /proc/[0-9]*/comm 2>/dev/null | grep -q .
}

# an earlier suite may have left blocks in NVM for $ORIGIN (a destroy
# keeps them); a wiped superblock lets the first create format it
nvm_wipe "$PMEM"
l98_slabs >"$l98_dir/slabs.before"
l98_traffic &
l98_pid=$!
l98_bio=
for l98_i in $(seq "$l98_loops"); do
	l98_slabs >"$l98_dir/slabs.nodev"
	check "loop $l98_i: create l0" \
		nvfctl dev create l0 --origin "$ORIGIN" --nvm "$PMEM" --format
	D=$(nvfctl dev show l0 | sed -n 's/^disk: *//p')
	# the bio set's slab (bio-SIZE) is the module's only slab cache of its
	# own, unless a cache of the same size existed before
	l98_new=$(comm -13 "$l98_dir/slabs.nodev" <(l98_slabs) | tr '\n' ' ')
	[ "$l98_i" = 1 ] && diag "slab caches created with l0: ${l98_new:-none (merged)}"
	[ "$l98_i" = 1 ] && l98_bio=$l98_new
	check "loop $l98_i: write blocks through l0" bash -c "
		python3 -S tests/vm/vblocks.py init $D $l98_dir/st --first $((l98_i * 4096)) --blocks 256 &&
		python3 -S tests/vm/vblocks.py write $D $l98_dir/st --count 100 --seed $l98_i \
			--drain l0 --drain-every 50 --ctl $NVF_CTL"
	check_fails "loop $l98_i: rmmod with l0 present is refused" 1 "in use" rmmod nvflush
	check "loop $l98_i: l0 still reads back what was written" vb98 verify "$D" "$l98_dir/st"
	check "loop $l98_i: destroy l0" nvfctl dev destroy l0
	check "loop $l98_i: its kernel threads are gone" l98_no_threads l0
	check "loop $l98_i: rmmod (netlink traffic running)" l98_rmmod
	check "loop $l98_i: the module is gone" test ! -e /sys/module/nvflush
	check "loop $l98_i: the slab caches are those of before the device" \
		diff "$l98_dir/slabs.nodev" <(l98_slabs)
	check "loop $l98_i: insmod" insmod "$NVF_KO"
	check "loop $l98_i: after the reload, re-create recovers l0 and reads it back" \
		bash -c "nvfctl dev create l0 --origin $ORIGIN --nvm $PMEM &&
		python3 -S tests/vm/vblocks.py verify \$(nvfctl dev show l0 | sed -n 's/^disk: *//p') $l98_dir/st &&
		nvfctl dev drain l0 --timeout 120 && nvfctl dev destroy l0"
done
touch "$l98_dir/stop"
wait "$l98_pid"
diag "netlink traffic: $(cat "$l98_dir/rounds" 2>/dev/null || echo 0) rounds of 4 requests"
check "the traffic ran" test "$(cat "$l98_dir/rounds" 2>/dev/null || echo 0)" -gt 0
check "no device is left" bash -c '! ls /sys/block | grep -q nvflush'
check_eq "dev list is empty" '{"devices":[]}' "$(nvfctl dev list --json)"
check "the slab caches are those of before the loops" \
	diff "$l98_dir/slabs.before" <(l98_slabs)
if [ -n "$l98_bio" ]; then
	check "the bio set's cache ($l98_bio) is gone" bash -c "
		for c in $l98_bio; do test ! -e /sys/kernel/slab/\$c || exit 1; done"
fi
check "the module is loaded" test -d /sys/module/nvflush

# kmemleak (the debug kernel): only reports that name the module count
# here; t99_unload fails on any.
kmemleak_check "kmemleak: no unreferenced object of the module" \
	kmemleak-t98.txt --mention nvflush
rm -rf "$l98_dir"
