#!/usr/bin/env bash
# Power cuts: boot the VM, run the verifying writer on /dev/nvflush0, kill
# qemu (-9) at a random moment, boot again on the same NVDIMM and disk files,
# recover, and check every block against the model. Prints TAP.
# Usage: tests/powercut/run.sh KERNEL CUTS [SEED]
# Writes build/vm/powercut-KERNEL/summary ("PASSED FAILED").
set -uo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: run.sh KERNEL CUTS [SEED]}
cuts=${2:?usage: run.sh KERNEL CUTS [SEED]}
seed=${3:-$(date +%s)}
ver=$(scripts/kernels.sh | awk -v n="$name" '$1 == n { print $2 }')
[ -n "$ver" ] || ver=$name
top=$PWD/build/vm/powercut-$name
rm -rf "$top" && mkdir -p "$top/img" "$top/state"
blocks=4096	# 16 MiB of the origin
RANDOM=$((seed % 32768))
echo "# power cuts on $ver: $cuts cuts, seed $seed, $blocks blocks"
scripts/build-kmod.sh "$ver" || { echo "not ok 1 - module builds"; echo "0 1" >"$top/summary"; exit 1; }
ctl=$PWD/build/cmake/ctl/nvflushctl
pass=0 fail=0 n=0
result() { # OK DESC [LOGFILE]
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		pass=$((pass + 1)); echo "ok $n - $2"
	else
		fail=$((fail + 1)); echo "not ok $n - $2"
		[ -n "${3:-}" ] && tail -n 25 "$3" | sed 's/^/# /'
	fi
}

for cycle in $(seq 1 $((cuts + 1))); do
	out=$top/cycle-$cycle
	mkdir -p "$out/state"
	cp -a "$top/state/." "$out/state/"
	final=0
	[ "$cycle" -gt "$cuts" ] && final=1
	scripts/vm/run.sh --kernel "$ver" --out "$out" --timeout 300 \
		--nvdimm "$top/img/nvm.img:128M" --disk "$top/img/origin.img:64M" \
		--env NVF_KVER="$ver" --env NVF_CTL="$ctl" --env PC_CYCLE="$cycle" \
		--env PC_SEED="$((seed + cycle))" --env PC_BLOCKS="$blocks" \
		--env PC_STATE="$out/state" --env PC_VERIFY_ONLY="$final" \
		-- tests/powercut/guest.sh >"$out/run.log" 2>&1 &
	runner=$!
	if [ "$final" = 0 ]; then
		# cut the power 1..8 s after the writer started
		for _ in $(seq 600); do
			grep -q '^WRITING' "$out/guest.log" 2>/dev/null && break
			kill -0 "$runner" 2>/dev/null || break
			sleep 0.2
		done
		sleep "$((1 + RANDOM % 8)).$((RANDOM % 10))"
		if [ -s "$out/qemu.pid" ]; then
			kill -9 "$(cat "$out/qemu.pid")" 2>/dev/null
		fi
	fi
	wait "$runner"
	rc=$?
	log=$out/guest.log
	if [ "$cycle" -gt 1 ]; then
		v=$(grep '^VERIFY' "$log" 2>/dev/null | tail -n 1)
		rec=$(grep '^RECOVERED' "$log" 2>/dev/null | tail -n 1)
		if [[ "$v" == *"violations=0"* ]]; then
			result 1 "cut $((cycle - 1)): recovered and verified ($rec; $v)"
		else
			result 0 "cut $((cycle - 1)): verification after recovery (${v:-no result})" "$log"
		fi
	fi
	if [ "$final" = 0 ] && ! grep -q '^WRITING' "$log" 2>/dev/null; then
		result 0 "cycle $cycle: the writer started (runner exit $rc)" "$out/run.log"
		break
	fi
	[ "$final" = 1 ] && [ "$rc" -ne 0 ] &&
		result 0 "final boot exits cleanly (runner exit $rc)" "$out/run.log"
	# the state after this cycle (log of the writer, base of the verifier)
	rm -rf "$top/state" && cp -a "$out/state" "$top/state"
done
echo "1..$n"
echo "# $pass passed, $fail failed"
echo "$pass $fail" >"$top/summary"
[ "$fail" -eq 0 ]
