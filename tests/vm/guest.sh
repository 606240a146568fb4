#!/usr/bin/env bash
# VM test suite, run inside the guest by tests/vm/run.sh (cwd = repository).
# Environment: NVF_KVER (kernel version), NVF_CTL (nvflushctl binary),
# NVF_TESTS (optional, comma-separated name prefixes such as "t10,t30,t60":
# run only those suites; later suites depend on t10 loading the module).
# Devices: /dev/pmem0 (256 MiB NVDIMM, converted to fsdax here),
# /dev/pmem1 (small raw NVDIMM, no DAX), /dev/vda (origin), /dev/vdb (spare).
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/vm/lib.sh
. tests/vm/lib.sh

NVF_KO=build/kmod/$NVF_KVER/nvflush.ko
[ -f "$NVF_KO" ] || bail "module not built: $NVF_KO"
[ -x "$NVF_CTL" ] || bail "nvflushctl not built: $NVF_CTL"
diag "kernel $(uname -r), $(nproc) CPUs"

modprobe nfit 2>/dev/null; modprobe nd_pmem 2>/dev/null
modprobe crc32c_generic 2>/dev/null
modprobe libcrc32c 2>/dev/null	# nvflush uses crc32c(); insmod loads no deps
modprobe ext4 2>/dev/null
# The NVDIMMs appear asynchronously.
for _ in $(seq 50); do
	[ -b /dev/pmem0 ] && [ -b /dev/pmem1 ] && break
	sleep 0.1
done
[ -b /dev/pmem0 ] || bail "no /dev/pmem0"
ndctl create-namespace -f -e namespace0.0 -m fsdax >/dev/null ||
	bail "cannot convert namespace0.0 to fsdax"
PMEM=
RAWPMEM=
for p in /sys/block/pmem*; do
	if [ "$(cat "$p/queue/dax")" = 1 ]; then
		PMEM=/dev/${p##*/}
	else
		RAWPMEM=/dev/${p##*/}
	fi
done
[ -n "$PMEM" ] || bail "no DAX-capable pmem after conversion"
[ -n "$RAWPMEM" ] || bail "no raw (non-DAX) pmem"
ORIGIN=/dev/vda
SPARE=/dev/vdb
export PMEM RAWPMEM ORIGIN SPARE NVF_KO
diag "NVM $PMEM (DAX), raw pmem $RAWPMEM, origin $ORIGIN, spare $SPARE"

selected() {
	local p
	[ -z "${NVF_TESTS:-}" ] && return 0
	for p in ${NVF_TESTS//,/ }; do
		[[ ${1##*/} == "$p"* ]] && return 0
	done
	return 1
}

for t in tests/vm/t[0-9]*.sh; do
	selected "$t" || continue
	diag "--- ${t##*/}"
	t_start=$SECONDS
	# shellcheck source=/dev/null
	. "$t"
	diag "${t##*/}: $((SECONDS - t_start)) s"
done
# On a kernel with kmemleak the job ends with a scan: no unreferenced object
# but the known leak of the kernel's own slab code (tests/vm/kmemleak.py).
# The runner leaves kmemleak's console line to this check.
kmemleak_check "kmemleak: nothing unreferenced at the end of the job" kmemleak-end.txt
tap_done
