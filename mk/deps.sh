#!/bin/sh
# Check for the Debian packages kvmlab needs and install the missing ones.
#
#   sh mk/deps.sh build    packages to build and run the chapters (make run)
#   sh mk/deps.sh slides   build + what the slide decks are built with
#   sh mk/deps.sh check    all of the above + what the tests use (make check)
#   sh mk/deps.sh emulated what the emulated machine needs (QEMU, and the
#                          tools that unpack its kernel): only where no
#                          native /dev/kvm works, or KVM=emulated
#   sh mk/deps.sh report   list every package and whether it is installed
#
# As root, missing packages are installed with apt-get (after apt-get
# update).  Otherwise the exact command to run is printed and we stop: a
# build that half-works because a library is missing is worse than none.
set -u

build_pkgs="gcc make binutils pkg-config libc6-dev libcmocka-dev libfdt-dev libncurses-dev"
# dtc decodes the device trees of chapter 5 (and its tests).
build_pkgs="$build_pkgs device-tree-compiler"
# zlib inflates the screenshots for the slide test's PNG reader
# (tests/slides/pngstat.c), built with the unit tests by `make`.
build_pkgs="$build_pkgs zlib1g-dev"
# Chapters 8 and 9 run (make run) in network namespaces (util-linux's
# unshare) with TAPs, bridges and VLANs (iproute2); chapter 9's host tooling
# (build/kvmlab-net) translates with iptables (its nftables backend), hands
# out addresses with dnsmasq (the binary only: dnsmasq-base starts no
# service) and lists the translations with conntrack.
build_pkgs="$build_pkgs iproute2 util-linux iptables dnsmasq-base conntrack"
# strace lets the chapter 1 deck show the ioctls in the order they run.
slides_pkgs="$build_pkgs pandoc graphviz strace"
# clang-format: CI's style check; tmux drives the viewer in a terminal;
# chromium renders the slide decks headless.
check_pkgs="$slides_pkgs clang-format tmux chromium"
# clang builds the fuzz targets (tests/fuzz/).  libFuzzer's runtime,
# libclang_rt.fuzzer-x86_64.a, is in libclang-rt-14-dev on Debian 12,
# which clang pulls in only as a recommendation (of libclang-common-14-dev):
# deps.sh installs without recommends, so it is named here.
check_pkgs="$check_pkgs clang libclang-rt-14-dev"
# Chapter 8's tests ping the guest and read its --pcap back with tcpdump.
check_pkgs="$check_pkgs iputils-ping tcpdump"
# The emulated machine (mk/emu/): QEMU runs a Debian kernel with KVM inside;
# busybox-static (its depmod and cpio) builds the initramfs.  The
# kernel and busybox-static are downloaded (apt-get download), not installed.
emulated_pkgs="qemu-system-x86"

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing_of() {
	out=""
	for p in $1; do have "$p" || out="$out $p"; done
	echo "$out"
}

what=${1:-build}
case "$what" in
build) pkgs=$build_pkgs ;;
slides) pkgs=$slides_pkgs ;;
check) pkgs=$check_pkgs ;;
emulated) pkgs=$emulated_pkgs ;;
report)
	for p in $check_pkgs $emulated_pkgs; do
		if have "$p"; then printf '  ok       %s\n' "$p"; else printf '  MISSING  %s\n' "$p"; fi
	done
	exit 0 ;;
*) echo "usage: $0 build|slides|check|emulated|report" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "kvmlab: this is not a Debian or Ubuntu system (no dpkg-query)." >&2
	echo "  Install the equivalents of: $pkgs" >&2
	exit 0
fi

missing=$(missing_of "$pkgs")
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "kvmlab: missing Debian packages:$missing" >&2
	echo "  Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "kvmlab: installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || { echo "kvmlab: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || {
	echo "kvmlab: apt-get install failed for:$missing" >&2
	exit 1
}
missing=$(missing_of "$pkgs")
if [ -n "$missing" ]; then
	echo "kvmlab: still missing after apt-get:$missing" >&2
	exit 1
fi
