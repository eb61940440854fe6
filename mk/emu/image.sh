#!/bin/sh
# Build the emulated machine's kernel and initramfs (mk/emu/README.md).
#
#   sh mk/emu/image.sh DIR      (DIR is build/emu; mk/emu/run.sh calls this)
#
# Nothing is installed into the host system: Debian's kernel image package
# and busybox-static are fetched with `apt-get download` into DIR/debs and
# unpacked with `dpkg-deb -x` under DIR; busybox's depmod indexes the
# kernel's modules and its cpio packs the initramfs.  A second run finds
# DIR/ready and does nothing, so the downloads happen once (until `make
# clean`).  Prints the kernel version in use.
set -eu

DIR=${1:?usage: image.sh DIR}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)

die() {
	printf 'kvmlab: emulated machine: %s\n' "$1" >&2
	shift
	for line in "$@"; do printf '  %s\n' "$line" >&2; done
	exit 1
}

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
		"the emulated machine is built from Debian's kernel and busybox packages"

# The generic amd64 kernel: it has 9p (the cloud flavour does not), KVM's
# AMD-V backend, virtio, tun, bridge, veth, 8021q, vhost_net and NAT.
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

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
			"and check that the Debian archive is reachable, then try again"
}

pkg=$(ls "$DIR"/debs/linux-image-*-amd64_*.deb 2>/dev/null | head -n 1)
if [ -z "$pkg" ]; then
	# Old package lists name a kernel the archive no longer has: as root,
	# bring them up to date first (once: the download is kept).
	if [ "$(id -u)" -eq 0 ]; then
		echo "kvmlab: emulated machine: apt-get update" >&2
		apt-get update -q >/dev/null 2>&1 || true
	fi
	name=$(kernel_pkg)
	[ -n "$name" ] || die "apt knows no linux-image-amd64 package" \
		"run 'sudo apt-get update' (the package lists are missing or old)"
	fetch "$name"_'*.deb' "$name"
	pkg=$(ls "$DIR"/debs/linux-image-*-amd64_*.deb | head -n 1)
fi
fetch 'busybox-static_*.deb' busybox-static

rm -rf "$DIR/root" "$DIR/initramfs"
dpkg-deb -x "$pkg" "$DIR/root"
dpkg-deb -x "$(ls "$DIR"/debs/busybox-static_*.deb | head -n 1)" "$DIR/busybox"
version=$(ls "$DIR/root/lib/modules" | head -n 1)
[ -n "$version" ] && [ -f "$DIR/root/boot/vmlinuz-$version" ] ||
	die "$pkg holds no kernel and modules"
bb=$DIR/busybox/bin/busybox
modules=$DIR/root/lib/modules/$version
"$bb" depmod -b "$DIR/root" "$version"

# The initramfs holds busybox, the init and what it needs to reach the
# host's files: virtio-pci and 9p.  Every other module (kvm-amd, tun,
# bridge, ...) is loaded from the full tree once the host's files are there.
ir=$DIR/initramfs
mkdir -p "$ir/bin" "$ir/proc" "$ir/sys" "$ir/dev" "$ir/host" "$ir/tmp"
cp "$bb" "$ir/bin/busybox"
cp "$HERE/init" "$ir/init"
chmod 755 "$ir/init"
for d in drivers/virtio net/9p fs/9p fs/netfs fs/fscache; do
	mkdir -p "$ir/lib/modules/$version/kernel/$d"
	cp "$modules/kernel/$d"/*.ko "$ir/lib/modules/$version/kernel/$d/"
done
cp "$modules"/modules.* "$ir/lib/modules/$version/"
(cd "$ir" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1) \
	>"$DIR/initramfs.cpio.gz"
cp "$DIR/root/boot/vmlinuz-$version" "$DIR/vmlinuz"
echo "$version" >"$DIR/kernel-version"
echo "$init_sum" >"$DIR/ready"
echo "$version"
