#!/bin/sh
# Build the emulated machine's kernel and initramfs (mk/emu/README.md).
#
#   sh mk/emu/image.sh DIR      (DIR is build/emu; mk/emu/run.sh calls this)
#   sh mk/emu/image.sh --kernel-package
#                               the kernel package it would download
#
# Nothing is installed into the host system: the distribution's kernel
# packages and busybox-static are fetched with `apt-get download` into
# DIR/debs and unpacked with `dpkg-deb -x` under DIR; busybox's depmod
# indexes the kernel's modules and its cpio packs the initramfs.  On
# Debian the kernel is the one linux-image-amd64 names (one package); on
# Ubuntu, which has no linux-image-amd64, linux-image-generic's: its image
# package, its linux-modules package and, when those lack a module the
# machine needs, its linux-modules-extra package.  A second run finds
# DIR/ready and does nothing, so the downloads happen once (until `make
# clean`).  Prints the kernel version in use.
set -eu

DIR=${1:?usage: image.sh DIR | --kernel-package}
HERE=$(cd "$(dirname "$0")" && pwd)

die() {
	printf 'kvmlab: emulated machine: %s\n' "$1" >&2
	shift
	for line in "$@"; do printf '  %s\n' "$line" >&2; done
	exit 1
}

# The generic amd64 kernel: it has 9p (the cloud flavour does not), KVM's
# AMD-V backend, virtio, tun, bridge, veth, 8021q, vhost_net and NAT.
# Debian's linux-image-amd64 names it; on Ubuntu, linux-image-generic.
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
	apt-cache depends linux-image-generic 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-generic\)$/\1/p' | head -n 1
}
# What the machine loads: to reach the host's files (the initramfs's),
# KVM, and what chapters 8 and 9 build their networks with.
needed="virtio_pci 9pnet_virtio 9p kvm_amd tun bridge veth 8021q vhost_net"
needed="$needed nf_conntrack nf_nat xt_MASQUERADE nft_compat"

if [ "$DIR" = --kernel-package ]; then
	kernel_pkg | head -n 1
	exit 0
fi
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

# ready holds the checksum of the init it was built with: a changed init
# means a new initramfs (a copy of the tree with the same init does not).
init_sum=$(cksum <"$HERE/init")
if [ -f "$DIR/ready" ] && [ "$(cat "$DIR/ready")" = "$init_sum" ]; then
	cat "$DIR/kernel-version"
	exit 0
fi
rm -f "$DIR/ready"

command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
	die "this is not a Debian or Ubuntu system (no apt-get, dpkg-deb)" \
		"the emulated machine is built from Debian's (or Ubuntu's) kernel and busybox packages"

# fetch PATTERN PACKAGE: PACKAGE's .deb into DIR/debs, unless one matching
# PATTERN is there already.
fetch() {
	ls "$DIR"/debs/$1 >/dev/null 2>&1 && return 0
	mkdir -p "$DIR/debs"
	echo "kvmlab: emulated machine: downloading $2" >&2
	# _apt cannot write into a root-owned folder; download as the caller.
	(cd "$DIR/debs" && apt-get download -q "$2" 2>&1 |
		grep -v 'unsandboxed' >&2) || true
	ls "$DIR"/debs/$1 >/dev/null 2>&1 ||
		die "could not download the package $2" \
			"apt-get needs current package lists: run 'sudo apt-get update'" \
			"and check that the Debian (or Ubuntu) archive is reachable, then try again"
}

# missing_modules TREE: the modules of $needed that TREE (lib/modules/V)
# neither holds nor has built in.
missing_modules() {
	for m in $needed; do
		find "$1" \( -name "$m.ko*" -o -name "$(echo "$m" | tr _ -).ko*" \) \
			-print 2>/dev/null | grep -q . && continue
		sed 's|.*/||; s|\.ko$||; s|-|_|g' "$1/modules.builtin" 2>/dev/null |
			grep -qx "$m" && continue
		printf ' %s' "$m"
	done
}

pkg=$(ls "$DIR"/debs/linux-image-*-amd64_*.deb "$DIR"/debs/linux-image-*-generic_*.deb \
	2>/dev/null | head -n 1)
if [ -z "$pkg" ]; then
	# Old package lists name a kernel the archive no longer has: as root,
	# bring them up to date first (once: the download is kept).
	if [ "$(id -u)" -eq 0 ]; then
		echo "kvmlab: emulated machine: apt-get update" >&2
		apt-get update -q >/dev/null 2>&1 || true
	fi
	name=$(kernel_pkg | head -n 1)
	[ -n "$name" ] || die "apt knows no linux-image-amd64 (Debian) or linux-image-generic (Ubuntu) package" \
		"run 'sudo apt-get update' (the package lists are missing or old)"
	fetch "$name"_'*.deb' "$name"
	pkg=$(ls "$DIR"/debs/"$name"_*.deb | head -n 1)
fi
fetch 'busybox-static_*.deb' busybox-static

rm -rf "$DIR/root" "$DIR/initramfs"
dpkg-deb -x "$pkg" "$DIR/root"
case $pkg in
*-generic_*.deb)
	# Ubuntu: the image package holds the kernel alone; its modules
	# come in linux-modules-V, the rarer ones in linux-modules-extra-V.
	v=${pkg##*/linux-image-}
	v=${v%%_*}
	fetch "linux-modules-${v}_*.deb" "linux-modules-$v"
	dpkg-deb -x "$(ls "$DIR"/debs/linux-modules-"$v"_*.deb | head -n 1)" "$DIR/root"
	# Ubuntu 24.04's packages put them under /usr/lib/modules.
	if [ -d "$DIR/root/usr/lib/modules/$v" ]; then
		mkdir -p "$DIR/root/lib/modules"
		cp -al "$DIR/root/usr/lib/modules/." "$DIR/root/lib/modules/"
		rm -rf "$DIR/root/usr/lib/modules"
	fi
	if [ -n "$(missing_modules "$DIR/root/lib/modules/$v")" ]; then
		fetch "linux-modules-extra-${v}_*.deb" "linux-modules-extra-$v"
		dpkg-deb -x "$(ls "$DIR"/debs/linux-modules-extra-"$v"_*.deb | head -n 1)" "$DIR/root"
		if [ -d "$DIR/root/usr/lib/modules/$v" ]; then
			cp -al "$DIR/root/usr/lib/modules/." "$DIR/root/lib/modules/"
			rm -rf "$DIR/root/usr/lib/modules"
		fi
	fi
	;;
esac
dpkg-deb -x "$(ls "$DIR"/debs/busybox-static_*.deb | head -n 1)" "$DIR/busybox"
version=$(ls "$DIR/root/lib/modules" | head -n 1)
[ -n "$version" ] && [ -f "$DIR/root/boot/vmlinuz-$version" ] ||
	die "$pkg holds no kernel and modules"
# Ubuntu's kernel images are mode 0600: dpkg-deb -x keeps that, and as
# root the copy is root's alone.
[ -r "$DIR/root/boot/vmlinuz-$version" ] ||
	die "cannot read $DIR/root/boot/vmlinuz-$version (Ubuntu's kernel images are mode 0600)" \
		"it was unpacked by another user (root?): remove $DIR as that user, or run as root"
# /bin/busybox on Debian 12 and Ubuntu 22.04, /usr/bin/busybox on 24.04.
bb=$DIR/busybox/bin/busybox
[ -x "$bb" ] || bb=$DIR/busybox/usr/bin/busybox
[ -x "$bb" ] || die "$(ls "$DIR"/debs/busybox-static_*.deb | head -n 1) holds no busybox"
modules=$DIR/root/lib/modules/$version
# Compressed modules (Ubuntu 24.04's are .ko.zst): busybox's modprobe
# reads none of them, so they are unpacked here, once.
if find "$modules" -name '*.ko.zst' -print | grep -q .; then
	command -v zstd >/dev/null 2>&1 ||
		die "the kernel's modules are zstd-compressed, and zstd is not installed" \
			"install it with: sudo apt-get install -y zstd (or, as root: sh mk/deps.sh emulated)"
	find "$modules" -name '*.ko.zst' -exec zstd -q -d --rm {} +
fi
lacking=$(missing_modules "$modules")
[ -z "$lacking" ] || die "kernel $version lacks modules the machine needs:$lacking"
"$bb" depmod -b "$DIR/root" "$version"

# The initramfs holds busybox, the init and what it needs to reach the
# host's files: virtio-pci and 9p.  Every other module (kvm-amd, tun,
# bridge, ...) is loaded from the full tree once the host's files are there.
ir=$DIR/initramfs
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/host" "$ir/tmp"
cp "$bb" "$ir/bin/busybox"
cp "$HERE/init" "$ir/init"
chmod 755 "$ir/init"
# (Ubuntu's kernels have virtio-pci built in, and no fscache module.)
for d in drivers/virtio net/9p fs/9p fs/netfs fs/fscache; do
	set -- "$modules/kernel/$d"/*.ko
	[ -f "$1" ] || continue
	mkdir -p "$ir/lib/modules/$version/kernel/$d"
	cp "$@" "$ir/lib/modules/$version/kernel/$d/"
done
cp "$modules"/modules.* "$ir/lib/modules/$version/"
(cd "$ir" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1) \
	>"$DIR/initramfs.cpio.gz"
cp "$DIR/root/boot/vmlinuz-$version" "$DIR/vmlinuz"
chmod 644 "$DIR/vmlinuz"
echo "$version" >"$DIR/kernel-version"
echo "$init_sum" >"$DIR/ready"
echo "$version"
