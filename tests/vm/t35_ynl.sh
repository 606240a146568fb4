# shellcheck shell=bash
# The kernel's own YNL client drives the family from our spec, unchanged.

ynl() {
	/usr/bin/python3 build/linux-src/tools/net/ynl/cli.py \
		--schema build/linux-src/Documentation/netlink/genetlink.yaml \
		--spec Documentation/netlink/specs/nvflush.yaml "$@"
}
# expect_out PATTERN CMD...: CMD succeeds and its output matches PATTERN.
expect_out() {
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || { echo "$out"; return 1; }
	grep -qE -- "$pat" <<<"$out" || { echo "$out"; return 1; }
}
check "ynl: dev-get dump lists d0 with the spec's attributes" \
	expect_out "'disk-name': 'nvflush0'" ynl --dump dev-get
check "ynl: dev-get dump reports the block size" \
	expect_out "'block-size': 4096" ynl --dump dev-get
check "ynl: stats-get dump filtered by device" \
	expect_out "'dev-name': 'd0'" ynl --dump stats-get --json '{"dev-name": "d0"}'
check_fails "ynl: an attribute outside the op's policy is rejected (strict)" \
	1 "'bad-attr': '.index'" \
	ynl --do dev-create --json '{"name": "x", "origin-path": "/dev/vdb", "nvm-path": "/dev/pmem1", "index": 3}'
check_fails "ynl: dev-create without the origin names the missing attribute" \
	1 "'miss-type': 'origin-path'" \
	ynl --do dev-create --json '{"name": "x", "nvm-path": "/dev/pmem1"}'
ynl_create() { # NAME
	ynl --do dev-create --json "{\"name\": \"$1\", \"origin-path\": \"$SPARE\", \"nvm-path\": \"$RAWPMEM\"}"
}
check_fails "kernel refuses an over-long name" 1 "device name is too long" \
	ynl_create "$(printf 'n%.0s' $(seq 32))"
check_fails "kernel refuses a name with a slash" 1 "device name may only contain" \
	ynl_create "a/b"
check_fails "kernel refuses an empty name" 1 "device name is empty" \
	ynl_create ""
check_fails "kernel refuses an empty path" 1 "origin path is empty" \
	ynl --do dev-create --json '{"name": "x", "origin-path": "", "nvm-path": "/dev/pmem1"}'
check_fails "ynl: unprivileged dev-create gets EPERM" 1 "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	/usr/bin/python3 build/linux-src/tools/net/ynl/cli.py \
	--schema build/linux-src/Documentation/netlink/genetlink.yaml \
	--spec Documentation/netlink/specs/nvflush.yaml \
	--do dev-create --json '{"name": "x", "origin-path": "/dev/vdb", "nvm-path": "/dev/pmem1"}'
