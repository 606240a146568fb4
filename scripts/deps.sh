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
mkdir -p build
if [ -n "$need" ]; then
	echo "deps: installing:" $need
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >build/deps.log 2>&1 || {
		tail -n 30 build/deps.log >&2
		exit 1
	}
fi

# The debug kernel (KASAN, UBSAN, lockdep, kmemleak, fault injection, KUnit)
# ships as two .debs in shared/kernels beside the repository, not in Debian.
# Without it the debug VM lane cannot run: deps.sh says so, and that lane
# (tests/vm/run.sh debug) then fails loudly; the other targets still work.
dbg_ver=6.12.117-nvflush-debug
dbg_debs=("linux-image-${dbg_ver}_1_amd64.deb" "linux-headers-${dbg_ver}_1_amd64.deb")
dbg_dir=""
for d in ${NVF_DEBUG_KERNEL_DIR:+"$NVF_DEBUG_KERNEL_DIR"} \
	"$PWD/../shared/kernels" "$(pwd -P)/../shared/kernels" /work/shared/kernels; do
	if [ -f "$d/SHA256SUMS" ] && [ -f "$d/${dbg_debs[0]}" ] && [ -f "$d/${dbg_debs[1]}" ]; then
		dbg_dir=$(cd "$d" && pwd -P)
		break
	fi
done
if [ -z "$dbg_dir" ]; then
	{
		echo "deps: ERROR: the debug kernel packages (${dbg_debs[*]}) were not found"
		echo "deps: looked in ${NVF_DEBUG_KERNEL_DIR:+$NVF_DEBUG_KERNEL_DIR, }$PWD/../shared/kernels, /work/shared/kernels"
		echo "deps: set NVF_DEBUG_KERNEL_DIR to the folder that holds them"
	} >&2
fi
# The installed packages are current when dpkg's record of their files equals
# the .debs' (their version is always 1).
install_debug_kernel() {
	local i p need=()
	for i in 0 1; do
		p=${dbg_debs[$i]%%_*}
		if [ -n "$(missing "$p")" ] ||
			! cmp -s <(dpkg-deb --ctrl-tarfile "$dbg_dir/${dbg_debs[$i]}" | tar -xOf - ./md5sums) \
				"/var/lib/dpkg/info/$p.md5sums"; then
			need+=("$dbg_dir/${dbg_debs[$i]}")
		fi
	done
	(cd "$dbg_dir" && sha256sum --quiet --strict -c SHA256SUMS) >&2 || {
		echo "deps: ERROR: checksums of $dbg_dir do not match its SHA256SUMS" >&2
		return 1
	}
	if [ ${#need[@]} -gt 0 ]; then
		echo "deps: installing the debug kernel from $dbg_dir"
		dpkg -i "${need[@]}" >build/deps-debug.log 2>&1 || {
			tail -n 30 build/deps-debug.log >&2
			return 1
		}
	fi
	if [ ! -e "/boot/vmlinuz-$dbg_ver" ] || [ ! -d "/lib/modules/$dbg_ver/build" ]; then
		echo "deps: ERROR: the debug kernel $dbg_ver is not usable after installing it" >&2
		return 1
	fi
}
# A missing or broken debug kernel fails its lane, not the other targets.
[ -n "$dbg_dir" ] && install_debug_kernel && echo "$want" >"$stamp"


scripts/kernels.sh
