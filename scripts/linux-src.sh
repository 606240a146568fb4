#!/usr/bin/env bash
# Extract the parts of Debian's linux-source-6.12 tarball that the project's
# tooling uses (checkpatch, kernel-doc, YNL, netlink schemas) into
# build/linux-src and print that path. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dst=build/linux-src
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
if [ -z "$tarball" ]; then
	echo "linux-src: /usr/src/linux-source-6.12.tar.* missing (run scripts/deps.sh)" >&2
	exit 1
fi
mkdir -p build
# one extraction at a time (VM runs side by side each call this)
exec 9>build/.linux-src.lock
flock 9
if [ ! -e "$dst/.stamp" ] || [ "$tarball" -nt "$dst/.stamp" ]; then
	rm -rf "$dst" && mkdir -p "$dst"
	tar -xf "$tarball" -C "$dst" --strip-components=1 --wildcards \
		'linux-source-6.12/scripts/*' \
		'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/*' \
		'linux-source-6.12/.clang-format'
	touch "$dst/.stamp"
fi
echo "$PWD/$dst"
