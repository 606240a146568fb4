# shellcheck shell=bash
# The kernel's own YNL client drives the family from our spec, unchanged.

ynl() {
	python3 build/linux-src/tools/net/ynl/cli.py \
		--schema build/linux-src/Documentation/netlink/genetlink.yaml \
		--spec Documentation/netlink/specs/nvflush.yaml "$@"
}
export -f ynl
check "ynl: dev-get dump lists d0 with the spec's attributes" bash -c '
	out=$(ynl --dump dev-get) &&
	grep -q "'"'"'disk-name'"'"': '"'"'nvflush0'"'"'" <<<"$out" &&
	grep -q "'"'"'block-size'"'"': 4096" <<<"$out"'
check "ynl: stats-get dump filtered by device" bash -c '
	ynl --dump stats-get --json "{\"dev-name\": \"d0\"}" | grep -q "cgroup-id"'
check_fails "ynl: an attribute outside the op's policy is rejected (strict)" \
	1 "Unknown attribute type" \
	ynl --do dev-create --json '{"name": "x", "origin-path": "/dev/vdb", "nvm-path": "/dev/pmem1", "index": 3}'
check_fails "ynl: dev-create without the origin names the missing attribute" \
	1 "'miss-type': 'origin-path'" \
	ynl --do dev-create --json '{"name": "x", "nvm-path": "/dev/pmem1"}'
check_fails "ynl: unprivileged dev-create gets EPERM" 1 "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	python3 build/linux-src/tools/net/ynl/cli.py \
	--schema build/linux-src/Documentation/netlink/genetlink.yaml \
	--spec Documentation/netlink/specs/nvflush.yaml \
	--do dev-create --json '{"name": "x", "origin-path": "/dev/vdb", "nvm-path": "/dev/pmem1"}'
