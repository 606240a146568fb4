#!/usr/bin/env bash
# Guest half of the demo (see demo.sh). Runs as root inside the VM.
set -euo pipefail
say() { printf '\n$ %s\n' "$*"; "$@"; }
ctl() { "$NVF_CTL" "$@"; }

for _ in $(seq 50); do [ -b /dev/pmem0 ] && break; sleep 0.1; done
echo "Converting the emulated NVDIMM to fsdax mode (DAX)"
ndctl create-namespace -f -e namespace0.0 -m fsdax >/dev/null
modprobe crc32c_generic 2>/dev/null || true
modprobe libcrc32c
modprobe ext4
insmod "$NVF_KO"
say ctl dev create demo --origin /dev/vda --nvm /dev/pmem0 --format
say ctl dev show demo
mkfs.ext4 -q -F /dev/nvflush0
mkdir -p /tmp/demo && mount /dev/nvflush0 /tmp/demo

echo "+io +memory" >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/training /sys/fs/cgroup/inference
run_in() { sh -c 'echo $$ >"/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"' "$@"; }
echo
echo "training writes a 64 MiB checkpoint, inference appends 16 MiB of logs"
run_in training dd if=/dev/zero of=/tmp/demo/checkpoint bs=1M count=64 status=none
run_in inference dd if=/dev/zero of=/tmp/demo/log bs=64k count=256 conv=fsync status=none
sync
say ctl stats demo
say ctl dev show demo
umount /tmp/demo
say ctl dev drain demo
say ctl dev destroy demo
rmmod nvflush
