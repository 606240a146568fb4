# shellcheck shell=bash
# Buffered writeback through ext4 is attributed to the cgroups that dirtied
# the pages, within 1%.

echo "+io +memory" >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/tenant-a /sys/fs/cgroup/tenant-b
MiB=$((1024 * 1024))
in_cgroup tenant-a dd if=/dev/zero of=/tmp/mnt-nvf/a bs=1M count=40 status=none
in_cgroup tenant-b dd if=/dev/zero of=/tmp/mnt-nvf/b bs=1M count=20 status=none
sync
a=$(stats_field d0 /tenant-a write_bytes)
b=$(stats_field d0 /tenant-b write_bytes)
diag "tenant-a wrote $a bytes, tenant-b $b bytes"
check "tenant-a's 40 MiB attributed within 1%" within_pct "$a" $((40 * MiB)) 1
check "tenant-b's 20 MiB attributed within 1%" within_pct "$b" $((20 * MiB)) 1
check "root cgroup (journal, metadata) counted separately" \
	test "$(stats_field d0 / write_bios)" -gt 0
check "fsync of a tenant reaches the device as a flush" bash -c '
	before=$(stats_field d0 /tenant-a flushes)
	in_cgroup tenant-a dd if=/dev/zero of=/tmp/mnt-nvf/a2 bs=4k count=1 conv=fsync status=none
	test "$(stats_field d0 TOTAL flushes)" -gt "$before"'
check "human stats table shows the cgroup paths" bash -c \
	'nvfctl stats d0 | grep -q /tenant-a && nvfctl stats d0 | grep -q /tenant-b'
check "umount" umount /tmp/mnt-nvf
rmdir /sys/fs/cgroup/tenant-b
check "a removed cgroup is shown by its id" bash -c \
	'nvfctl stats d0 --json | python3 -c "
import json, sys
rows = json.load(sys.stdin)[\"devices\"][0][\"cgroups\"]
assert any(r[\"path\"] is None and r[\"id\"] > 1 for r in rows), rows"'
