#!/usr/bin/env bash
# vm-kernel.sh: Debian's kernel for `qga-forge smoke --vm`, fetched once and cached.
#
# Prints a directory holding vmlinuz (the kernel of Debian's linux-image-amd64
# package), release (its `uname -r`) and modules/ with the virtio modules an
# agent needs (virtio_ring, virtio, virtio_pci*, virtio_console), which that
# kernel builds as modules. The package comes from the machine's own apt
# sources (`apt-get download`, no root needed) and is unpacked with dpkg-deb.
#
# Cache: ${QGA_FORGE_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge/vm}/<package>-<version>/,
# with a link `current` to the last one; `vm-kernel.sh --refresh` looks for a newer package.
set -euo pipefail

cache=${QGA_FORGE_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge/vm}
meta=${QGA_FORGE_VM_KERNEL_PACKAGE:-linux-image-amd64}

die() { echo "vm-kernel.sh: error: $*" >&2; exit 1; }
for c in apt-cache apt-get dpkg-deb flock; do
	command -v "$c" >/dev/null 2>&1 || die "'$c' not found (a Debian or Ubuntu host is needed)"
done

# A kernel fetched before serves until asked to refresh (apt takes a second or two).
if [ "${1:-}" != --refresh ] && [ -f "$cache/current/release" ]; then
	cd "$cache/current" && pwd -P
	exit 0
fi

pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || pkg=$meta
ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no installable version of '$pkg' in the apt sources"
dir="$cache/$pkg-$ver"
if [ -f "$dir/release" ]; then
	ln -sfn "${dir##*/}" "$cache/current"
	echo "$dir"
	exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$dir/release" ]; then
	echo "$dir"
	exit 0
fi
work=$(mktemp -d "$cache/.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "vm-kernel.sh: downloading $pkg $ver" >&2
# apt warns that root downloads into a directory its _apt user cannot read: harmless
(cd "$work" && apt-get download -q "$pkg=$ver" 2>&1 | grep -v "unsandboxed" >&2) || true
ls "$work"/*.deb >/dev/null 2>&1 || die "apt-get download $pkg=$ver failed"
dpkg-deb -x "$work"/*.deb "$work/root"
vmlinuz=
for v in "$work"/root/boot/vmlinuz-*; do
	if [ -f "$v" ]; then vmlinuz=$v; break; fi
done
[ -n "$vmlinuz" ] || die "$pkg has no /boot/vmlinuz-*"
release=${vmlinuz##*/vmlinuz-}
mkdir -p "$work/out/modules"
cp "$vmlinuz" "$work/out/vmlinuz"
# The uncompressed kernel (an ELF file QEMU starts through its PVH entry)
# boots seconds faster under TCG than the bzImage, which decompresses itself
# with an emulated CPU. Found the way the kernel's scripts/extract-vmlinux does.
extract() {
	local magic=$1 tool=$2 pos
	for pos in $(LC_ALL=C grep -obUaP "$magic" "$vmlinuz" 2>/dev/null | cut -d: -f1); do
		tail -c "+$((pos + 1))" "$vmlinuz" | $tool >"$work/vmlinux" 2>/dev/null
		if [ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			return 0
		fi
	done
	return 1
}
if { command -v xz >/dev/null && extract '\xFD7zXZ\x00' 'xz -dc'; } ||
   { command -v zstd >/dev/null && extract '\x28\xB5\x2F\xFD' 'zstd -dc'; } ||
   { command -v gzip >/dev/null && extract '\x1F\x8B\x08' 'gzip -dc'; }; then
	mv "$work/vmlinux" "$work/out/vmlinux"
fi
printf '%s\n' "$release" >"$work/out/release.tmp"
moddir=
for m in "$work"/root/lib/modules/* "$work"/root/usr/lib/modules/*; do
	if [ -d "$m" ]; then moddir=$m; break; fi
done
[ -n "$moddir" ] || die "$pkg has no /lib/modules"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console; do
	f=$(find "$moddir" -name "$m.ko*" | head -n 1)
	if [ -n "$f" ]; then
		cp "$f" "$work/out/modules/"
		# load order: each module after the ones it needs
		basename "$f" >>"$work/out/modules.list"
	fi
done
mv "$work/out/release.tmp" "$work/out/release"
rm -rf "$dir"
mv "$work/out" "$dir"
ln -sfn "${dir##*/}" "$cache/current"
echo "$dir"
