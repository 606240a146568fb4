#!/usr/bin/env bash
# Print the target kernels: "NAME VERSION" per line, for the kernels whose
# image and build tree are installed. NAME is what Makefile targets use.
#   6.1    Debian's 6.1 LTS (linux-image-amd64)
#   6.12   Debian's newest 6.12 LTS
#   debug  the 6.12 debug kernel from ../shared/kernels (when installed)
set -euo pipefail

has() { [ -e "/boot/vmlinuz-$1" ] && [ -d "/lib/modules/$1/build" ]; }

pick() {
	local v
	for v in $(ls /lib/modules 2>/dev/null | grep -E "$1" | sort -V -r); do
		has "$v" && { echo "$v"; return; }
	done
}

k61=$(pick '^6\.1\.[0-9]+-[0-9]+-amd64$')
k612=$(pick '^6\.12\.[0-9]+\+deb12-amd64$')
kdbg=$(pick '^6\.12\.[0-9]+-nvflush-debug$')
[ -n "$k61" ] && echo "6.1 $k61"
[ -n "$k612" ] && echo "6.12 $k612"
[ -n "$kdbg" ] && echo "debug $kdbg"
exit 0
