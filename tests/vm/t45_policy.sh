# shellcheck shell=bash
# Per-cgroup policies, driven with the kernel's YNL client and our spec:
# absorb / bypass / sync-only, inheritance, max-dirty with bypass and with
# throttle, per-cgroup counters, stale policies, rejections, EPERM, and
# 10,000 policies. d0 (origin $ORIGIN, NVM $PMEM) exists and is unmounted.

YNLDIR=build/linux-src/tools/net/ynl
SPEC=Documentation/netlink/specs/nvflush.yaml
MiB=$((1024 * 1024))
ynlp() {
	/usr/bin/python3 $YNLDIR/cli.py --output-json \
		--schema build/linux-src/Documentation/netlink/genetlink.yaml \
		--spec $SPEC "$@"
}
# ystat CGROUP FIELD: a per-cgroup counter of d0 (0 without a row)
ystat() {
	local id
	id=$(stat -c %i "/sys/fs/cgroup$1") || return 1
	ynlp --dump stats-get --json '{"dev-name": "d0"}' | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["cgroup-id"] == int(sys.argv[1])]
print(rows[0].get(sys.argv[2], 0) if rows else 0)' "$id" "$2"
}
# ypol PATH FIELD: a field of d0's policy of PATH
ypol() {
	ynlp --do policy-get --json "{\"dev-name\": \"d0\", \"cgroup-path\": \"$1\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], 0))' "$2"
}
pset() { # PATH JSON-SETTINGS
	ynlp --do policy-set --json "{\"dev-name\": \"d0\", \"cgroup-path\": \"$1\"$2}"
}
# wr CGROUP BLOCK COUNT: direct 4 KiB writes of random data from CGROUP
wr() {
	in_cgroup "$1" dd if=/dev/urandom of=/dev/nvflush0 bs=4k seek="$2" \
		count="$3" oflag=direct status=none
}
on_origin() { # BLOCK COUNT: the device and the origin hold the same data
	cmp -s <(dd if=/dev/nvflush0 bs=4k skip="$1" count="$2" iflag=direct status=none) \
		<(dd if="$ORIGIN" bs=4k skip="$1" count="$2" iflag=direct status=none)
}

cg=/sys/fs/cgroup
mkdir -p $cg/pa $cg/pb $cg/pc
echo +io >$cg/pa/cgroup.subtree_control
echo +io >$cg/pb/cgroup.subtree_control
mkdir -p $cg/pa/child $cg/pb/child
check "device default mode bypass" nvfctl dev set d0 --mode bypass
check "policy-set /pa absorb" pset /pa ', "mode": "absorb"'
check "policy-set /pb bypass" pset /pb ', "mode": "bypass"'
check_eq "policy-get /pa reports its mode" absorb "$(ypol /pa mode)"
check_eq "policy-get reports the default weight" 100 "$(ypol /pa weight)"

# region: blocks from 208 MiB on
R=$((208 * 256))
wr pa/child $R 256
wr pb/child $((R + 256)) 256
wr tenant-a $((R + 512)) 256
check "/pa/child inherits absorb: its writes were absorbed" \
	test "$(ystat /pa/child absorbed-bytes)" -ge $MiB
check_eq "/pa/child: nothing bypassed" 0 "$(ystat /pa/child bypassed-bytes)"
check "/pa/child holds its 1 MiB in NVM (dirty-bytes)" \
	test "$(ystat /pa/child dirty-bytes)" -ge $MiB
check "policy /pa counts the blocks of its subtree" \
	test "$(ypol /pa dirty-bytes)" -ge $MiB
not_on_origin() { ! on_origin "$@"; }
check "absorbed data is not on the origin yet" not_on_origin $R 256
check "/pb/child inherits bypass: its writes went to the origin" \
	test "$(ystat /pb/child bypassed-bytes)" -ge $MiB
check_eq "/pb/child: nothing absorbed" 0 "$(ystat /pb/child absorbed-bytes)"
check "bypassed data is on the origin at once" on_origin $((R + 256)) 256
check "a cgroup without a policy follows the device default (bypass)" \
	test "$(ystat /tenant-a bypassed-bytes)" -ge $MiB

check "policy-set /pb sync-only" pset /pb ', "mode": "sync-only"'
wr pb/child $((R + 768)) 64	# O_DIRECT writes are REQ_SYNC
check "sync-only absorbs direct (REQ_SYNC) writes" \
	test "$(ystat /pb/child absorbed-bytes)" -ge $((64 * 4096))

# max-dirty with on-full bypass: /pa holds ~1 MiB, cap 512 KiB
check "policy-set /pa max-dirty 512K on-full bypass" \
	pset /pa ', "max-dirty": 524288, "on-full": "bypass"'
wr pa/child $((R + 1024)) 16
check "at its cap a write is bypassed (quota-bypasses)" \
	test "$(ystat /pa/child quota-bypasses)" -gt 0
check "the bypassed write is on the origin" on_origin $((R + 1024)) 16
# on-full throttle: the writer waits for its blocks to destage; another
# cgroup's writes go on meanwhile
check "policy-set /pa max-dirty 2M on-full throttle" \
	pset /pa ', "max-dirty": 2097152, "on-full": "throttle"'
check "policy-set /pc absorb (no cap)" pset /pc ', "mode": "absorb"'
t0=$(date +%s%N)
wr pc $((R + 3840)) 256	# alone: the baseline
base_ms=$((($(date +%s%N) - t0) / 1000000))
wr pa/child $((R + 2048)) 1024 &
thr=$!
t0=$(date +%s%N)
wr pc $((R + 4096)) 256
t1=$(date +%s%N)
wait $thr
check_eq "a throttled writer completes (its blocks destage)" 0 $?
check "throttle events are counted" test "$(ystat /pa/child quota-throttles)" -gt 0
check "throttled time is counted" test "$(ystat /pa/child quota-throttle-usec)" -gt 0
check "the cap held (dirty-bytes <= 2 MiB + one write)" \
	test "$(ypol /pa dirty-bytes)" -le $((2 * MiB + 4096))
during_ms=$(((t1 - t0) / 1000000))
diag "/pc wrote 1 MiB in $during_ms ms while /pa was throttled, $base_ms ms alone"
check "a tenant at its cap does not slow another (<= 4x its time alone + 2 s)" \
	test "$during_ms" -le $((4 * base_ms + 2000))
check "/pc was not throttled" test "$(ystat /pc quota-throttles)" -eq 0
check "destaged bytes are counted per cgroup" \
	test "$(ystat /pa/child destaged-bytes)" -gt 0

# Rejections: each with its own message, nothing changed.
check_fails "policy on a missing cgroup" 1 "no such cgroup" \
	pset /no-such-cgroup ', "mode": "absorb"'
check_fails "policy path without a leading slash" 1 "must start with" \
	pset pa ', "mode": "absorb"'
check_fails "a new policy needs a mode" 1 "needs a mode" pset /pa/child ''
check_fails "weight 0 is out of range" 1 "'bad-attr': '.weight'" \
	pset /pa ', "weight": 0'
check_fails "max-dirty below one block" 1 "below one block" \
	pset /pa ', "max-dirty": 100'
check_fails "policy on an unknown device" 1 "no such device" \
	ynlp --do policy-set --json '{"dev-name": "nope", "cgroup-path": "/pa", "mode": "absorb"}'
check_fails "policy-del without a cgroup" 1 "either by path or by id" \
	ynlp --do policy-del --json '{"dev-name": "d0"}'
check_eq "a refused set left /pa's weight" 100 "$(ypol /pa weight)"
for op in "policy-set" "policy-del"; do
	check_fails "unprivileged $op gets EPERM" 1 "Operation not permitted" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		/usr/bin/python3 $YNLDIR/cli.py \
		--schema build/linux-src/Documentation/netlink/genetlink.yaml \
		--spec $SPEC --do $op \
		--json '{"dev-name": "d0", "cgroup-path": "/pa", "mode": "absorb"}'
done
check "unprivileged policy-get is allowed" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	/usr/bin/python3 $YNLDIR/cli.py \
	--schema build/linux-src/Documentation/netlink/genetlink.yaml \
	--spec $SPEC --do policy-get --json '{"dev-name": "d0", "cgroup-path": "/pa"}'

# A removed cgroup's policy is stale until deleted by id.
mkdir $cg/gone
pset /gone ', "mode": "absorb"' >/dev/null
gone_id=$(stat -c %i $cg/gone)
rmdir $cg/gone
is_stale() { # CGROUP-ID
	ynlp --dump policy-get --json '{"dev-name": "d0"}' | python3 -c '
import json, sys
p = [x for x in json.load(sys.stdin) if x["cgroup-id"] == int(sys.argv[1])]
assert p and p[0].get("stale") is not None, p' "$1"
}
check "the policy of a removed cgroup is listed as stale" is_stale "$gone_id"
check_fails "deleting it by path says so" 1 "delete a removed cgroup's policy by id" \
	ynlp --do policy-del --json '{"dev-name": "d0", "cgroup-path": "/gone"}'
check "delete it by id" \
	ynlp --do policy-del --json "{\"dev-name\": \"d0\", \"cgroup-id\": $gone_id}"

# 10,000 policies: set, resolve through them, count, delete.
mkdir -p $cg/many
(cd $cg/many && seq 10000 | xargs mkdir)
mkdir -p $cg/many/5000/deep
n=$(seq 10000 | sed 's|^|/many/|' |
	python3 tests/vm/ynl_policies.py $YNLDIR $SPEC set d0 2>&1 | tail -n 1)
check_eq "10,000 policies set" 10000 "$n"
check "policy-get dump lists them all" \
	test "$(python3 tests/vm/ynl_policies.py $YNLDIR $SPEC count d0)" -ge 10000
check "policy-set /many/5000 absorb (changes one of 10,000)" \
	pset /many/5000 ', "mode": "absorb"'
echo +io >$cg/many/cgroup.subtree_control
echo +io >$cg/many/5000/cgroup.subtree_control
wr many/5000/deep $((R + 6144)) 16
check "a write resolves through its parent's policy among 10,000" \
	test "$(ystat /many/5000/deep absorbed-bytes)" -ge $((16 * 4096))
n=$(seq 10000 | sed 's|^|/many/|' |
	python3 tests/vm/ynl_policies.py $YNLDIR $SPEC del d0 2>&1 | tail -n 1)
check_eq "10,000 policies deleted" 10000 "$n"
(cd $cg/many && rmdir 5000/deep && seq 10000 | xargs rmdir)
rmdir $cg/many

for p in /pa /pb /pc; do
	ynlp --do policy-del --json "{\"dev-name\": \"d0\", \"cgroup-path\": \"$p\"}" >/dev/null
done
check_eq "no policy left" 0 "$(python3 tests/vm/ynl_policies.py $YNLDIR $SPEC count d0)"
check "device default back to absorb" nvfctl dev set d0 --mode absorb
rmdir $cg/pa/child $cg/pb/child $cg/pa $cg/pb $cg/pc
