#!/usr/bin/env bash
# Guest half of bench-quick.sh.
set -euo pipefail
# SSD-like origin model (dm-delay works in whole milliseconds): reads
# undelayed, writes 1 ms, cache flushes 2 ms.
ORIGIN_MODEL="reads 0 ms, writes 1 ms, flushes 2 ms (dm-delay)"
modprobe -a libcrc32c crc32c_generic ext4 dm_delay dm_writecache >/dev/null
insmod "$NVF_KO"
for _ in $(seq 50); do [ -b /dev/pmem0 ] && break; sleep 0.1; done
ndctl create-namespace -f -e namespace0.0 -m fsdax >/dev/null
sectors=$(blockdev --getsz /dev/vda)
dmsetup create slow --table "0 $sectors delay /dev/vda 0 0 /dev/vda 0 1 /dev/vda 0 2"
dmsetup mknodes
mkdir -p /tmp/b

run_fio() { # DEVICE LABEL
	mkfs.ext4 -q -F "$1"
	mount "$1" /tmp/b
	fio --name=fsync --directory=/tmp/b --rw=randwrite --bs=4k --size=64M \
		--ioengine=psync --fsync=1 --time_based --runtime="$SECS" \
		--ramp_time=2 --output-format=json --output="/tmp/$2.json" >/dev/null
	umount /tmp/b
	python3 - "$2" <<'PY'
import json, sys
label = sys.argv[1]
j = json.load(open(f"/tmp/{label}.json"))["jobs"][0]
w = j["write"]["lat_ns"]; s = j["sync"]["lat_ns"]
pct = j["sync"]["lat_ns"].get("percentile", {})
# per operation: one 4 KiB write + one fsync
mean = (w["mean"] + s["mean"]) / 1000
print(f"RESULT {label} iops={j['write']['iops']:.0f} write_us={w['mean']/1000:.1f} "
      f"fsync_mean_us={s['mean']/1000:.1f} fsync_p50_us={pct.get('50.000000', 0)/1000:.1f} "
      f"fsync_p99_us={pct.get('99.000000', 0)/1000:.1f} op_mean_us={mean:.1f}")
PY
}

echo "origin model: $ORIGIN_MODEL"
run_fio /dev/mapper/slow bare
dd if=/dev/zero of=/dev/pmem0 bs=1M count=1 status=none
dmsetup create wc --table "0 $sectors writecache p /dev/mapper/slow /dev/pmem0 4096 0"
dmsetup mknodes
run_fio /dev/mapper/wc dm-writecache
dmsetup remove wc
"$NVF_CTL" dev create bench --origin /dev/mapper/slow --nvm /dev/pmem0 --format >/dev/null
run_fio /dev/nvflush0 nvflush
"$NVF_CTL" dev show bench | sed -n '/counters/,$p'
"$NVF_CTL" dev destroy bench >/dev/null
python3 - <<'PY'
import re
r = {}
for label in ("bare", "dm-writecache", "nvflush"):
    import json
    j = json.load(open(f"/tmp/{label}.json"))["jobs"][0]
    s = j["sync"]["lat_ns"]; p = s.get("percentile", {})
    r[label] = (s["mean"] / 1000, p.get("50.000000", 0) / 1000, p.get("99.000000", 0) / 1000,
                j["write"]["iops"])
print(f"{'':14} {'fsync mean':>11} {'p50':>9} {'p99':>9} {'ops/s':>8}")
for k, (m, p50, p99, iops) in r.items():
    print(f"{k:14} {m:9.1f}us {p50:7.1f}us {p99:7.1f}us {iops:8.0f}")
n, b, w = r["nvflush"], r["bare"], r["dm-writecache"]
print(f"nvflush/bare:          mean {n[0]/b[0]:.3f}  p50 {n[1]/b[1]:.3f}  p99 {n[2]/b[2]:.3f}"
      f"  (mean fsync latency {100*(1-n[0]/b[0]):.1f}% lower)")
print(f"nvflush/dm-writecache: mean {n[0]/w[0]:.3f}  p50 {n[1]/w[1]:.3f}  p99 {n[2]/w[2]:.3f}")
PY
