# shellcheck shell=bash
# The netlink fuzzer (tests/fuzz, nvf-nlfuzz) against the module: malformed,
# hostile and valid requests of every operation at a device in use, while a
# second device is created and destroyed in a loop, with unprivileged
# senders and interrupted dumps. Every request must be answered in time,
# every unprivileged mutation refused with EPERM, the kernel must log no
# warning, and the device must still work afterwards.
# NVF_FUZZ_MSGS (default 100000) and NVF_FUZZ_SEED (default random) set the
# run; the seed is logged to replay it.

NLFUZZ=build/cmake/tests/fuzz/nvf-nlfuzz
fuzz_msgs=${NVF_FUZZ_MSGS:-100000}
fuzz_seed=${NVF_FUZZ_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
fuzz_jobs=$(nproc)	# one sender per CPU: the family runs requests in parallel
diag "nlfuzz: $fuzz_msgs messages from $fuzz_jobs senders, seed $fuzz_seed (replay with NVF_FUZZ_SEED=$fuzz_seed)"

# kernel_issues: what the kernel logged since the fuzzing started (all of
# dmesg if the marker scrolled out of the ring buffer) that points at a bug;
# printed, status 1 if anything
kernel_issues() {
	local found log
	log=$(dmesg)
	grep -q 'nvflush-t96: fuzzing starts' <<<"$log" &&
		log=$(sed -n '/nvflush-t96: fuzzing starts/,$p' <<<"$log")
	found=$(grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|list_add corruption|lockdep|possible recursive|circular locking' <<<"$log")
	[ -z "$found" ] && return 0
	printf '%s\n' "$found"
	return 1
}

# fuzz_destroy_all: destroy every nvflush device (the fuzzer may have left
# one of its own, or the loop's)
fuzz_destroy_all() {
	local name
	for name in $(nvfctl dev list --json | python3 -c '
import json, sys
for d in json.load(sys.stdin)["devices"]:
    print(d["name"])'); do
		nvfctl dev destroy "$name" >/dev/null 2>&1
	done
}

echo "nvflush-t96: fuzzing starts" >/dev/kmsg
check "nvf-nlfuzz is built ($NLFUZZ)" test -x "$NLFUZZ"
check "create fz, the device under fuzzing" \
	nvfctl dev create fz --origin "$ORIGIN" --nvm "$PMEM" --format

# Cgroups for policies: enough of them for a policy dump of several parts.
fz_cgroups=()
for i in $(seq 40); do
	mkdir -p "/sys/fs/cgroup/nlfz-$i" && fz_cgroups+=(--cgroup "/nlfz-$i")
done

# The racing device: the spare disk over the small NVM (made fsdax by t60,
# or here when t60 did not run); without one, the loop's creates fail.
fz_small=$(small_nvm)
if [ -z "$fz_small" ] &&
	ndctl create-namespace -f -e namespace1.0 -m fsdax >/dev/null 2>&1; then
	fz_small=$(small_nvm)
fi
fz_nvm=${fz_small:-$RAWPMEM}
diag "racing device nlfz-race: $SPARE over $fz_nvm"
rm -f /tmp/nlfz-stop /tmp/nlfz-race
(
	created=0 tries=0
	while [ ! -e /tmp/nlfz-stop ]; do
		tries=$((tries + 1))
		"$NVF_CTL" dev create nlfz-race --origin "$SPARE" --nvm "$fz_nvm" \
			--format >/dev/null 2>&1 && created=$((created + 1))
		"$NVF_CTL" dev destroy nlfz-race >/dev/null 2>&1
		echo "$created of $tries" >/tmp/nlfz-race
	done
) &
fz_race_pid=$!

# A hang in the kernel blocks a sender inside send(), where its receive
# timeout does not help: kill it when it falls below 200 messages/s (40 on
# a KASAN kernel), before the VM's own timeout ends everything.
fz_floor=200
grep -q '^CONFIG_KASAN=y' "/boot/config-$(uname -r)" 2>/dev/null && fz_floor=40
fz_start=$SECONDS
fz_out=$(timeout -s KILL $((fuzz_msgs / fz_floor + 300)) "$NLFUZZ" \
	--seed "$fuzz_seed" --messages "$fuzz_msgs" --jobs "$fuzz_jobs" \
	--origin "$SPARE" --nvm "$fz_nvm" --device nlfz-race --keep fz \
	"${fz_cgroups[@]}" 2>&1)
fz_rc=$?
fz_secs=$((SECONDS - fz_start))
touch /tmp/nlfz-stop
wait "$fz_race_pid"
printf '%s\n' "$fz_out" | grep '^nlfuzz:' | tail -n 30 | sed 's/^/# /'
diag "nlfuzz: exit status $fz_rc after $fz_secs s; racing loop created nlfz-race $(cat /tmp/nlfz-race 2>/dev/null) times"

fz_summary=$(grep '^nlfuzz: seed .* messages, ' <<<"$fz_out" | tail -n 1)
fz_sent=$(sed -n 's/^nlfuzz: seed [0-9]*, \([0-9]*\) messages, .*/\1/p' <<<"$fz_summary")
check_eq "nvf-nlfuzz exits 0 (answers in time, unprivileged mutations refused)" 0 "$fz_rc"
check "nvf-nlfuzz printed its summary" test -n "$fz_summary"
check "nvf-nlfuzz sent at least $fuzz_msgs messages (sent ${fz_sent:-none})" \
	test "${fz_sent:-0}" -ge "$fuzz_msgs"
check "no answer timed out" grep -q ', 0 timeouts, ' <<<"$fz_summary"
check "every unprivileged mutation was refused with EPERM" \
	grep -q ', 0 unprivileged-mutations-not-refused$' <<<"$fz_summary"

check "fz still answers dev show" nvfctl dev show fz
fz_disk=/dev/$(dev_field fz disk 2>/dev/null)
dd if=/dev/urandom of=/tmp/nlfz.bin bs=1M count=4 status=none
check "write 4 MiB through $fz_disk" \
	timeout 300 dd if=/tmp/nlfz.bin of="$fz_disk" bs=1M seek=8 oflag=direct conv=fsync status=none
check_eq "the 4 MiB read back through $fz_disk" "$(md5sum </tmp/nlfz.bin)" \
	"$(timeout 300 dd if="$fz_disk" bs=1M skip=8 count=4 iflag=direct status=none | md5sum)"
check "no warning, BUG, oops or sanitizer report in dmesg since the fuzzing started" \
	kernel_issues

check "drain fz without a rate cap (no block of it stays in NVM for the next suite)" \
	bash -c "$NVF_CTL dev set fz --destage-rate 0 && $NVF_CTL dev drain fz --timeout 300"
fuzz_destroy_all
for i in $(seq 40); do
	rmdir "/sys/fs/cgroup/nlfz-$i" 2>/dev/null
done
rm -f /tmp/nlfz.bin /tmp/nlfz-stop /tmp/nlfz-race
check "no nvflush device is left" bash -c '! ls /sys/block | grep -q nvflush'
check "the module is still loaded" test -d /sys/module/nvflush
