#!/bin/sh
# /init of the test-bed initramfs built by scripts/vm/mkinitrd.sh (busybox ash,
# PID 1). See Documentation/testbed.md. It
#  1. loads the modules listed in /etc/modules.list (dependency order),
#  2. mounts the output share (tag "outdir") and reads its vm.conf,
#  3. mounts the host root read-only (tag "hostroot") at /newroot, fresh
#     proc/sys/dev/tmpfs/cgroup2/debugfs inside it, and the output share at
#     the same absolute path as on the host,
#  4. loads nfit + nd_pmem from the host root and waits for /dev/pmemN, /dev/vdX,
#  5. runs DIR/job.sh chrooted, output to DIR/guest.log, status to DIR/rc,
#  6. syncs and powers off.
# Messages go to the console (serial.log); keep them free of the words the
# runner scans for (see run.sh).

export PATH=/bin
MSIZE=262144
R=/newroot

say() { echo "nvflush-init: $*"; }
halt_now() {
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
	sleep 60
}
die() {
	say "FATAL: $*"
	halt_now
}
# mount_retry ARGS...: 9p tags can take a moment to appear after the probe.
mount_retry() {
	n=0
	until mount "$@" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -ge 50 ]; then
			mount "$@" # once more, showing the error
			return
		fi
		sleep 0.1
	done
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
say "initramfs up at $(uptime_s) s"

while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/lib/modules/$mod" || say "insmod $mod failed"
done </etc/modules.list

mkdir -p /out "$R"
mount_retry -t 9p -o trans=virtio,version=9p2000.L,msize=$MSIZE,cache=none outdir /out ||
	die "cannot mount the output share (9p tag outdir)"
[ -r /out/vm.conf ] || die "no vm.conf in the output share"

DIR="" NVDIMMS=0 DISKS=0 MODROOT=/ VMHOST=nvflush-vm CWD=/
while IFS='=' read -r k v; do
	case $k in
	DIR) DIR=$v ;;
	NVDIMMS) NVDIMMS=$v ;;
	DISKS) DISKS=$v ;;
	MODROOT) MODROOT=$v ;;
	HOSTNAME) VMHOST=$v ;;
	CWD) CWD=$v ;;
	esac
done </out/vm.conf
[ -n "$DIR" ] || die "vm.conf has no DIR"
hostname "$VMHOST"

mount_retry -t 9p -o trans=virtio,version=9p2000.L,msize=$MSIZE,cache=loose,ro hostroot "$R" ||
	die "cannot mount the host root (9p tag hostroot)"

mount -t proc proc "$R/proc" || die "mount proc"
mount -t sysfs sysfs "$R/sys" || die "mount sysfs"
mount -t devtmpfs devtmpfs "$R/dev" || die "mount devtmpfs"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts "$R/dev/pts" || die "mount devpts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm" || die "mount /dev/shm"
ln -sfn /proc/self/fd "$R/dev/fd"
ln -sfn /proc/self/fd/0 "$R/dev/stdin"
ln -sfn /proc/self/fd/1 "$R/dev/stdout"
ln -sfn /proc/self/fd/2 "$R/dev/stderr"
# The host's working directory stays visible even if it lies under a folder
# that gets a fresh tmpfs: set it aside, mount the tmpfs, move it back.
keep=""
case "$CWD/" in /tmp/* | /run/* | /var/tmp/*) keep=1 ;; esac
if [ -n "$keep" ]; then
	mkdir -p /keepcwd && mount --bind "$R$CWD" /keepcwd ||
		die "cannot keep the working directory $CWD"
fi
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || die "mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs "$R/run" || die "mount /run"
mkdir -p "$R/run/lock" && chmod 1777 "$R/run/lock"
[ -d "$R/var/tmp" ] && mount -t tmpfs -o mode=1777 tmpfs "$R/var/tmp"
if [ -n "$keep" ]; then
	mkdir -p "$R$CWD" && mount --move /keepcwd "$R$CWD" ||
		die "cannot restore the working directory $CWD"
fi
mount -t cgroup2 -o nsdelegate cgroup2 "$R/sys/fs/cgroup" || die "mount cgroup2"
mount -t debugfs debugfs "$R/sys/kernel/debug" || say "no debugfs"
[ -d "$R/sys/kernel/tracing" ] && mount -t tracefs tracefs "$R/sys/kernel/tracing" 2>/dev/null
[ -d "$R/sys/kernel/config" ] && mount -t configfs configfs "$R/sys/kernel/config" 2>/dev/null

mkdir -p "$R$DIR" 2>/dev/null
mount --move /out "$R$DIR" || die "cannot mount the output share at $DIR"

# --ignore-install, with libnvdimm named first, skips Debian's install hook
# for libnvdimm (`ndctl load-keys`: no keys here, only noise and time).
modprobe_g() {
	if [ "$MODROOT" = / ]; then
		chroot "$R" /sbin/modprobe --ignore-install -a "$@"
	else
		chroot "$R" /sbin/modprobe --ignore-install -d "$MODROOT" -a "$@"
	fi
}
# wait_dev PATH SECONDS
wait_dev() {
	n=0
	while [ ! -b "$R$1" ]; do
		n=$((n + 1))
		if [ $n -gt $(($2 * 10)) ]; then
			say "$1 did not appear within $2 s"
			return 1
		fi
		sleep 0.1
	done
}
if [ "$NVDIMMS" -gt 0 ]; then
	say "modprobe nfit nd_pmem at $(uptime_s)"
	modprobe_g libnvdimm nfit nd_pmem || say "modprobe nfit nd_pmem failed"
	i=0
	while [ $i -lt "$NVDIMMS" ]; do
		wait_dev "/dev/pmem$i" 60
		i=$((i + 1))
	done
fi
letters=abcdefghijklmnopqrstuvwxyz
i=0
while [ $i -lt "$DISKS" ] && [ $i -lt 26 ]; do
	wait_dev "/dev/vd$(echo $letters | cut -c$((i + 1)))" 30
	i=$((i + 1))
done

say "job start uptime=$(uptime_s)"
chroot "$R" /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
	/bin/bash "$DIR/job.sh" </dev/null >"$R$DIR/guest.log" 2>&1
rc=$?
say "job end rc=$rc uptime=$(uptime_s)"
echo "$rc" >"$R$DIR/rc"
sync
halt_now
