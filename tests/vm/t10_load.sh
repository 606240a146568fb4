# shellcheck shell=bash
# Module load and the empty control plane.

check "insmod nvflush.ko" insmod "$NVF_KO"
check "module is listed in /sys/module" test -d /sys/module/nvflush
check_eq "dev list --json with no devices" '{"devices":[]}' \
	"$(nvfctl dev list --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), separators=(",", ":")))')"
check "stats with no devices succeeds" nvfctl stats
