#!/usr/bin/env bash
# Install every Debian package nvflush needs to build, test and demo.
# Idempotent: packages already present are skipped quickly. Prints the
# target kernel versions it found at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root (apt-get install)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Our VM tests boot with their own tiny initramfs: skip Debian's initramfs
# generation for the kernel images (it is the slowest part of the install).
export INITRD=No

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev pkg-config
	cmake make git python3 python3-yaml python3-jsonschema
	clang-format clang-tidy sparse
	qemu-system-x86 busybox-static kmod cpio xz-utils zstd
	dmsetup fio e2fsprogs xfsprogs ndctl util-linux procps
	libnl-3-dev libnl-genl-3-dev liburing-dev catch2 libcli11-dev
	nlohmann-json3-dev libfmt-dev libyaml-cpp-dev groff-base
	linux-image-amd64 linux-headers-amd64 linux-source-6.12
)

stamp=build/.deps-stamp
want="$(printf '%s\n' "${pkgs[@]}" | sha1sum | cut -c1-12)"

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

mkdir -p build	# the install log goes there, on a fresh clone too
need=$(missing "${pkgs[@]}")
if [ -n "$need" ] || [ ! -e /var/lib/apt/lists/lock ]; then
	apt-get update -qq
fi

# The newest Debian 6.12 kernel for which both the unsigned image and the
# headers are available.
k612=$(apt-cache pkgnames linux-image-6.12. 2>/dev/null |
	sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' |
	sort -V | while read -r v; do
		apt-cache show "linux-headers-$v" >/dev/null 2>&1 && echo "$v"
	done | tail -n 1)
if [ -z "$k612" ]; then
	echo "deps: no linux-image-6.12.*+deb12-amd64-unsigned with headers found" >&2
	exit 1
fi
pkgs+=("linux-image-$k612-unsigned" "linux-headers-$k612")

need=$(missing "${pkgs[@]}")
if [ -n "$need" ]; then
	echo "deps: installing:" $need
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >build/deps.log 2>&1 || {
		tail -n 30 build/deps.log >&2
		exit 1
	}
fi
echo "$want" >"$stamp"

scripts/kernels.sh
