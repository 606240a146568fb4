#!/usr/bin/env bash
# Generate the UAPI header from the netlink spec with the kernel's own
# ynl-gen-c.py. Usage: gen-uapi.sh OUT_FILE
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: gen-uapi.sh OUT_FILE}
src=$(scripts/linux-src.sh)
work=build/ynl
rm -rf "$work" && mkdir -p "$work/Documentation/netlink/specs"
# ynl-gen-c.py locates the tree root by its MAINTAINERS file.
touch "$work/MAINTAINERS"
cp "$src"/Documentation/netlink/*.yaml "$work/Documentation/netlink/"
cp Documentation/netlink/specs/nvflush.yaml "$work/Documentation/netlink/specs/"
timeout 60 /usr/bin/python3 "$src/tools/net/ynl/ynl-gen-c.py" --mode uapi --header \
	--spec "$work/Documentation/netlink/specs/nvflush.yaml" -o "$out"
