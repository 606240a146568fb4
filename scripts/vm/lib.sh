# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are used by the callers
# Helpers shared by scripts/vm/*.sh. Source it; it defines functions only.

vm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_repo=$(cd "$vm_here/../.." && pwd)
vm_build="$vm_repo/build/vm"

vm_die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

# Print the kernel version of a bzImage (x86 boot protocol: the 16-bit
# pointer at 0x20e, plus 0x200, locates the version string).
vm_bzimage_version() {
	local img=$1 ptr
	ptr=$(od -An -t u2 -j 526 -N 2 "$img" | tr -d ' ')
	[[ -n $ptr && $ptr -gt 0 ]] || return 1
	dd if="$img" bs=1 skip=$((ptr + 512)) count=256 status=none | tr '\0' '\n' |
		head -n 1 | awk '{print $1}'
}

# vm_resolve_kernel WANT
# WANT is a name printed by scripts/kernels.sh (6.1, 6.12, debug), a full
# kernel version with /boot/vmlinuz-VERSION installed, or the path of a kernel
# image (e.g. from an unpacked .deb: its modules are then looked up in
# IMAGE_DIR/../lib/modules/VERSION when /lib/modules/VERSION does not exist).
# Sets KVER (version), KIMAGE (image path), KMODROOT (root prefix of
# lib/modules, "/" normally), KCONFIG (kernel .config or "").
vm_resolve_kernel() {
	local want=$1 name ver
	KVER="" KIMAGE="" KMODROOT=/ KCONFIG=""
	if [[ $want == */* && -f $want ]]; then
		KIMAGE=$(realpath "$want")
		ver=${KIMAGE##*/vmlinuz-}
		[[ $ver != "$KIMAGE" ]] || ver=$(vm_bzimage_version "$KIMAGE") ||
			vm_die "cannot read the kernel version of $KIMAGE"
		KVER=$ver
		if [[ ! -d /lib/modules/$KVER ]]; then
			local alt
			alt=$(cd "$(dirname "$KIMAGE")/.." && pwd)
			[[ -d $alt/lib/modules/$KVER ]] && KMODROOT=$alt
		fi
		local c
		for c in "$(dirname "$KIMAGE")/config-$KVER" "/boot/config-$KVER"; do
			[[ -f $c ]] && { KCONFIG=$c; break; }
		done
		return 0
	fi
	while read -r name ver; do
		if [[ $want == "$name" || $want == "$ver" ]]; then
			KVER=$ver
			break
		fi
	done < <("$vm_repo/scripts/kernels.sh")
	if [[ -z $KVER ]]; then
		# A full version whose build tree is missing is still bootable.
		[[ -f /boot/vmlinuz-$want ]] ||
			vm_die "unknown kernel '$want' (known: $("$vm_repo/scripts/kernels.sh" | tr '\n' ' '))"
		KVER=$want
	fi
	KIMAGE=/boot/vmlinuz-$KVER
	[[ -r $KIMAGE ]] || vm_die "$KIMAGE is missing"
	[[ -f /boot/config-$KVER ]] && KCONFIG=/boot/config-$KVER
	return 0
}

# vm_size_bytes SIZE: 256M, 1G, 4096K, 1073741824 (plain bytes) -> bytes.
vm_size_bytes() {
	local s=$1
	[[ $s =~ ^[0-9]+[KMGT]?$ ]] || return 1
	numfmt --from=iec "$s"
}

# vm_pvh_vmlinux: print the path of an uncompressed vmlinux extracted from
# KIMAGE (cached under build/vm/vmlinux/), or nothing. Only for kernels built
# with CONFIG_PVH=y: qemu then boots the ELF directly through its PVH entry
# point, which skips the bzImage's decompression (~3 s under TCG).
vm_pvh_vmlinux() {
	[[ -n $KCONFIG ]] && grep -q '^CONFIG_PVH=y' "$KCONFIG" || return 0
	local dir="$vm_build/vmlinux" out key off magic dec
	out="$dir/$KVER"
	key=$(stat -L -c '%s %Y' "$KIMAGE")
	mkdir -p "$dir"
	(
		flock 9
		[[ -f $out && -f $out.key && $(<"$out.key") == "$key" ]] && exit 0
		rm -f "$out" "$out.key"
		for magic in xz zstd gzip; do
			case $magic in
			xz) pat='\xfd\x37\x7a\x58\x5a\x00' dec="xz -dcq" ;;
			zstd) pat='\x28\xb5\x2f\xfd' dec="zstd -dcq" ;;
			gzip) pat='\x1f\x8b\x08' dec="gzip -dcq" ;;
			esac
			while read -r off; do
				# Trailing data after the stream makes the decompressor
				# complain; the ELF check below decides.
				tail -c +$((off + 1)) "$KIMAGE" | $dec >"$out.tmp" 2>/dev/null || true
				if [[ $(head -c 4 "$out.tmp" | od -An -c | tr -d ' ') == '177ELF' ]]; then
					mv -f "$out.tmp" "$out"
					echo "$key" >"$out.key"
					exit 0
				fi
			done < <(LC_ALL=C grep -obUaP "$pat" "$KIMAGE" | cut -d: -f1)
		done
		rm -f "$out.tmp"
	) 9>"$dir/$KVER.lock"
	[[ -f $out.key ]] && echo "$out"
	return 0
}
