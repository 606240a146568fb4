# shellcheck shell=bash
# Events of the events multicast group (policy-changed, quota-hit, drained,
# nvm-full, degraded), the per-cgroup latency histograms, the stats dump
# filtered by cgroup, and destage order by policy weight. Driven with the
# kernel's YNL client and our spec. d0 (origin $ORIGIN, NVM $PMEM) exists
# and is unmounted; the second NVDIMM (fsdax since t60) and $SPARE are free.

YNLDIR=build/linux-src/tools/net/ynl
SPEC=Documentation/netlink/specs/nvflush.yaml
MiB=$((1024 * 1024))
cg=/sys/fs/cgroup
ynl67() {
	/usr/bin/python3 $YNLDIR/cli.py --output-json \
		--schema build/linux-src/Documentation/netlink/genetlink.yaml \
		--spec $SPEC "$@"
}
# row67 CGROUP: d0's stats-get row of CGROUP, fetched with the cgroup filter
row67() {
	ynl67 --dump stats-get --json \
		"{\"dev-name\": \"d0\", \"cgroup-id\": $(stat -c %i "$cg$1")}"
}
# ystat67 CGROUP FIELD: one per-cgroup counter of d0
ystat67() {
	row67 "$1" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
print(rows[0].get(sys.argv[1], 0) if rows else 0)' "$2"
}
# pdirty67 PATH: bytes d0's policy of PATH holds in NVM
pdirty67() {
	nvfctl policy show d0 "$1" --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["dirty_bytes"])'
}

evdir=$(mktemp -d)
/usr/bin/python3 tests/vm/ynl_events.py $YNLDIR $SPEC "$evdir/ready" "$evdir/stop" \
	>"$evdir/events" 2>"$evdir/err" &
evpid=$!
wait_file() {
	local i
	for i in $(seq 600); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "subscribed to the events group" wait_file "$evdir/ready"
# (the binary itself in the background, so that $! is its pid)
"$NVF_CTL" monitor --json >"$evdir/monitor" 2>"$evdir/monitor.err" &
monpid=$!
"$NVF_CTL" monitor --dev d1 --count 1 >"$evdir/monitor-d1" 2>&1 &
mond1=$!
"$NVF_CTL" monitor >"$evdir/monitor.txt" 2>&1 &
montxt=$!
sleep 1	# nvflushctl subscribes at once; give it a moment

# Latency histograms and the cgroup filter.
mkdir -p $cg/wa $cg/wb
check "nothing dirty before the weight test" nvfctl dev drain d0 --timeout 300
# The drain is over once the destager has sent its drained event: until
# then it would destage new writes too.
drained_seen() {
	local i
	for i in $(seq 300); do
		python3 -c '
import json, sys
sys.exit(not any(e["type"] == "drained" and e["dev-name"] == "d0"
                 for e in map(json.loads, open(sys.argv[1]))))' "$evdir/events" && return 0
		sleep 0.1
	done
	return 1
}
check "the destager ended the drain (drained event)" drained_seen
check "policy /wa absorb weight 1000" \
	nvfctl policy set d0 /wa --mode absorb --weight 1000
check "policy /wb absorb weight 1" nvfctl policy set d0 /wb --mode absorb --weight 1
check "watermarks 99%/98%: nothing destages yet" \
	nvfctl dev set d0 --high-watermark 99 --low-watermark 98
R=$((160 * 256))	# from 160 MiB on: /wb low blocks, /wa high ones
in_cgroup wb dd if=/dev/urandom of=/dev/nvflush0 bs=4k seek=$R count=1024 \
	oflag=direct status=none
in_cgroup wa dd if=/dev/urandom of=/dev/nvflush0 bs=4k seek=$((R + 2048)) \
	count=1024 oflag=direct conv=fsync status=none
hist_sum() { # CGROUP ATTR
	row67 "$1" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 1, rows
print(sum(rows[0][sys.argv[1]]), len(rows[0][sys.argv[1]]))' "$2"
}
ids67=$(row67 /wa | python3 -c '
import json, sys
print(*sorted(r["cgroup-id"] for r in json.load(sys.stdin)))')
check_eq "stats-get filtered by cgroup returns that cgroup only" "$(stat -c %i $cg/wa)" "$ids67"
read -r wsum wlen < <(hist_sum /wa write-latency)
check_eq "the write histogram has 32 buckets" 32 "$wlen"
check_eq "every write of /wa is in its histogram" "$(ystat67 /wa write-bios)" "$wsum"
read -r fsum _ < <(hist_sum /wa flush-latency)
check "the fsync of /wa is in its flush histogram" test "$fsum" -ge 1
check_eq "every flush of /wa is in its flush histogram" "$(ystat67 /wa flushes)" "$fsum"

# Weight: the destager runs from the high watermark (2%) down to the low
# one (1%), which leaves part of the 8 MiB: /wa (1000) must be the part that
# went, although /wb's blocks come first on the disk.
low=$(($(dev_field d0 nvm_slots) / 100))
check "watermarks 2%/1%: the destager starts" \
	nvfctl dev set d0 --high-watermark 2 --low-watermark 1
settled() {
	local i prev=-1 now
	for i in $(seq 240); do
		now=$(dev_field d0 dirty_blocks)
		[ "$now" -le "$low" ] && [ "$now" = "$prev" ] && return 0
		prev=$now
		sleep 0.5
	done
	return 1
}
check "it stops at the low watermark ($low blocks)" settled
a=$(pdirty67 /wa) b=$(pdirty67 /wb)
diag "after the destage: /wa holds $a bytes, /wb $b"
check_eq "/wa (weight 1000) was destaged first: nothing left" 0 "$a"
check "/wb (weight 1) still holds blocks" test "$b" -gt 0
check "default watermarks" nvfctl dev set d0 --high-watermark 50 --low-watermark 25
check "drain d0: the drained event follows" nvfctl dev drain d0 --timeout 300

# quota-hit: /wa with a 32 KiB cap that bypasses
check "policy /wa max-dirty 32K on-full bypass" \
	nvfctl policy set d0 /wa --max-dirty 32K --on-full bypass
in_cgroup wa dd if=/dev/urandom of=/dev/nvflush0 bs=4k seek=$R count=64 \
	oflag=direct status=none
check "policy del /wb" nvfctl policy del d0 /wb

# nvm-full and degraded on d1: the small NVM over a dm-linear origin that
# is then switched to the error target.
modprobe dm_mod 2>/dev/null
small=$(small_nvm)
sectors=$(blockdev --getsz "$SPARE")
check "dm-linear origin for d1" \
	dmsetup create nvf-ev --table "0 $sectors linear $SPARE 0"
dmsetup mknodes >/dev/null 2>&1
check "create d1 on the small NVM (destage only when full)" \
	nvfctl dev create d1 --origin /dev/mapper/nvf-ev --nvm "$small" --format
check "d1: high watermark 100%" nvfctl dev set d1 --high-watermark 100 --low-watermark 90
slots=$(dev_field d1 nvm_slots)
D1=/dev/$(dev_field d1 disk)
check "write more than the small NVM holds (writers wait for slots)" \
	dd if=/dev/zero of="$D1" bs=4k count=$((slots + 512)) oflag=direct status=none
check "switch d1's origin to the error target" bash -c \
	"dmsetup load nvf-ev --table '0 $sectors error' && dmsetup resume nvf-ev"
check "drain d1 so the destager writes to the failing origin" nvfctl dev drain d1 --no-wait
wait_degraded() {
	local i
	for i in $(seq 100); do
		[ "$(dev_field d1 degraded)" = True ] && return 0
		sleep 0.1
	done
	return 1
}
check "d1 is degraded" wait_degraded

# Collect the events.
sleep 1
touch "$evdir/stop"
wait $evpid
check_eq "the subscriber ended cleanly" 0 $?
# end_of PID [SIGNAL]: send SIGNAL (if given), give the process 10 s to
# end, then kill it; its exit status
end_of() {
	local i
	[ -n "${2:-}" ] && kill "-$2" "$1"
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1"
}
end_of $montxt INT
end_of $monpid INT
rc=$?
check_eq "nvflushctl monitor ends with status 0 on SIGINT" 0 "$rc"
end_of $mond1
rc=$?
check_eq "monitor --dev d1 --count 1 ended by itself" 0 "$rc"
check "monitor --dev d1 printed one d1 event line" \
	test "$(grep -c '^[0-9:.]* d1 ' "$evdir/monitor-d1")" -eq 1
# monitor --json printed the same events as the YNL client, in order
check_eq "nvflushctl monitor saw every event the YNL client saw" \
	"$(python3 -c '
import json, sys
print(*[json.loads(l)["type"] for l in open(sys.argv[1])])' "$evdir/events")" \
	"$(python3 -c '
import json, sys
print(*[json.loads(l)["type"] for l in open(sys.argv[1])])' "$evdir/monitor")"
check "monitor JSON carries the quota-hit details" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
q = [e for e in ev if e["type"] == "quota-hit"]
assert q and q[0]["cgroup_path"] == "/wa" and q[0]["max_dirty"] == 32768, q
assert q[0]["on_full"] == "bypass" and q[0]["device"] == "d0", q' "$evdir/monitor"
diag "nvflushctl monitor:"
while read -r line; do diag "  $line"; done <"$evdir/monitor.txt"
ev() { # FILTER (python expression on e): matching events, counted
	python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2]):
        n += 1
print(n)' "$evdir/events" "$1"
}
diag "$(wc -l <"$evdir/events") events: $(python3 -c '
import json, sys
print(sorted({json.loads(l)["type"] for l in open(sys.argv[1])}))' "$evdir/events")"
check "policy-changed for /wa set" test "$(ev \
	'e["type"] == "policy-changed" and e.get("cgroup-path") == "/wa" and "removed" not in e')" -ge 1
check "policy-changed with removed for /wb" test "$(ev \
	'e["type"] == "policy-changed" and e.get("cgroup-path") == "/wb" and "removed" in e')" -eq 1
check "policy-changed for the device settings (no cgroup)" test "$(ev \
	'e["type"] == "policy-changed" and e["dev-name"] == "d0" and "cgroup-id" not in e')" -ge 1
check "quota-hit for /wa with its cap and on-full" test "$(ev \
	'e["type"] == "quota-hit" and e.get("cgroup-path") == "/wa" and e["max-dirty"] == 32768 and e["on-full"] == "bypass"')" -ge 1
check "quota-hit is rate limited (once per second per policy)" test "$(ev \
	'e["type"] == "quota-hit"')" -le 3
check "drained for d0" test "$(ev 'e["type"] == "drained" and e["dev-name"] == "d0"')" -ge 1
check "nvm-full for d1" test "$(ev 'e["type"] == "nvm-full" and e["dev-name"] == "d1"')" -ge 1
check_eq "degraded for d1, once, with its cause" 1 "$(ev \
	'e["type"] == "degraded" and e["dev-name"] == "d1" and e["reason"] == "origin write" and e["error"] == 5')"

check "destroy d1 (its data stays in its NVM)" nvfctl dev destroy d1
dmsetup remove nvf-ev >/dev/null 2>&1
nvfctl policy del d0 /wa >/dev/null
rmdir $cg/wa $cg/wb
rm -rf "$evdir"
