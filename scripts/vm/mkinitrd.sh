#!/usr/bin/env bash
# Build the test bed's tiny initramfs for one kernel.
#
#   scripts/vm/mkinitrd.sh KERNEL OUT.cpio.gz
#
# KERNEL: 6.1 | 6.12 | debug (names from scripts/kernels.sh), a full version
# (6.1.0-56-amd64), or the path of a kernel image (see lib.sh).
#
# Contents: busybox-static, /init (scripts/vm/guest-init.sh), and the modules
# needed to reach the host root over 9p and see virtio disks (virtio_pci,
# virtio_blk, 9pnet_virtio, 9p and their dependencies as resolved by
# `modprobe --show-depends`; built-ins skipped; .ko.xz/.ko.zst/.ko.gz
# decompressed because busybox's insmod cannot read them), listed in load order
# in /etc/modules.list. Kernels with all of them built in (the debug kernel)
# get no modules.
#
# OUT is rebuilt only when an input changed (this script, guest-init.sh,
# busybox, the kernel version, the module files); the key of the inputs is
# kept in OUT.key. Concurrent callers serialise on OUT.lock.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$here/lib.sh"

if [[ $# -ne 2 || $1 == -h || $1 == --help ]]; then
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	[[ $# -eq 2 ]] && exit 0 || exit 2
fi
want=$1 out=$2
vm_resolve_kernel "$want"

wanted_modules=(virtio_pci virtio_blk 9pnet_virtio 9p)
busybox=$(command -v busybox) || vm_die "busybox is not installed (apt-get install busybox-static)"
busybox=$(realpath "$busybox")
if ldd "$busybox" >/dev/null 2>&1; then
	vm_die "$busybox is dynamically linked; install busybox-static"
fi
init_src="$here/guest-init.sh"

# Module files in load order, deduplicated.
modules=()
if [[ -d $KMODROOT/lib/modules/$KVER ]]; then
	deps=$(
		for m in "${wanted_modules[@]}"; do
			modprobe -d "$KMODROOT" -S "$KVER" --show-depends "$m" ||
				vm_die "modprobe cannot resolve $m for $KVER"
		done
	)
	mapfile -t modules < <(awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$deps")
else
	echo "${0##*/}: no $KMODROOT/lib/modules/$KVER: assuming virtio, 9p are built in" >&2
fi

# The key of all inputs.
key=$(
	{
		echo "kernel $KVER"
		cat "$here/mkinitrd.sh" "$here/lib.sh" "$init_src" | sha256sum
		stat -c '%n %s %Y' "$busybox"
		for f in "${modules[@]}"; do stat -c '%n %s %Y' "$f"; done
	} | sha256sum | cut -d' ' -f1
)

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
if [[ -f $out && -f $out.key && $(<"$out.key") == "$key" ]]; then
	exit 0
fi

tmp=$(mktemp -d "$(dirname "$out")/.mkinitrd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,etc,lib/modules,proc,sys,newroot,out,tmp}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$init_src" "$root/init"
# The kernel opens /dev/console for /init before devtmpfs is mounted.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

: >"$root/etc/modules.list"
for f in "${modules[@]}"; do
	base=${f##*/}
	case $base in
	*.ko.xz) name=${base%.xz}; xz -dc "$f" >"$root/lib/modules/$name" ;;
	*.ko.zst) name=${base%.zst}; zstd -dcq "$f" >"$root/lib/modules/$name" ;;
	*.ko.gz) name=${base%.gz}; gzip -dc "$f" >"$root/lib/modules/$name" ;;
	*.ko) name=$base; cp "$f" "$root/lib/modules/$name" ;;
	*) vm_die "unexpected module file $f" ;;
	esac
	echo "$name" >>"$root/etc/modules.list"
done

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) |
	gzip -9 -n >"$tmp/initrd.cpio.gz"
echo "$key" >"$tmp/key"
mv -f "$tmp/initrd.cpio.gz" "$out"
mv -f "$tmp/key" "$out.key"
echo "${0##*/}: built $out for $KVER (${#modules[@]} modules: $(tr '\n' ' ' <"$root/etc/modules.list"))" >&2
