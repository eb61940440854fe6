#!/bin/sh
# Check for the Debian (or Ubuntu) packages kvmlab needs and install the
# missing ones.
#
#   sh mk/deps.sh build    packages to build and run the chapters (make run)
#   sh mk/deps.sh grade    build + what the graded tests use (an autograder:
#                          no slide, fuzz or style tools)
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
#
# The names are Debian 12's.  On Ubuntu (22.04 and 24.04, with the
# universe component: Gradescope's images) the few that differ are
# translated (ubuntu_names below); a check-only package Ubuntu does not
# have is left out with a note.
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
# The graded tests: chapter 9's grade.sh pings across the topologies it
# builds and saves and restores ip_forward with sysctl (procps: not in a
# minimal Debian or Ubuntu image, such as a container's).
grade_pkgs="$build_pkgs iputils-ping procps"
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
check_pkgs="$check_pkgs iputils-ping tcpdump procps"
# tests/grader/classroom.sh parses the GitHub Classroom workflow that
# `make student` writes (.github/workflows/classroom.yml) with Python's
# YAML parser: GitHub would refuse a file that is not YAML only on a push.
check_pkgs="$check_pkgs python3-yaml"
# make gradescope packs the autograder with zip; its tests unpack it.
check_pkgs="$check_pkgs zip unzip"
# The emulated machine (mk/emu/): QEMU runs a Debian kernel with KVM inside;
# busybox-static (its depmod and cpio) builds the initramfs.  The
# kernel and busybox-static are downloaded (apt-get download), not installed.
# Ubuntu 24.04's kernel modules are zstd-compressed, which busybox's
# modprobe cannot read: zstd unpacks them when the machine is built.
emulated_pkgs="qemu-system-x86"

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing_of() {
	out=""
	for p in $1; do have "$p" || out="$out $p"; done
	echo "$out"
}

is_ubuntu() {
	[ -r /etc/os-release ] || return 1
	# shellcheck disable=SC1091
	(. /etc/os-release && case " $ID ${ID_LIKE:-} " in *" ubuntu "*) exit 0 ;; esac
		exit 1)
}

# candidate PKG: true when apt can install PKG.
candidate() {
	apt-cache policy "$1" 2>/dev/null | grep -q '^ *Candidate: [^(]'
}

# lists: make sure apt's package lists are there to ask (a fresh container
# has none); as root they are fetched, once.
updated=0
lists() {
	candidate dpkg && return 0
	[ "$(id -u)" -eq 0 ] && [ "$updated" = 0 ] || return 0
	echo "kvmlab: apt-get update (no package lists yet)" >&2
	apt-get update -q >/dev/null || echo "kvmlab: apt-get update failed" >&2
	updated=1
}

# ubuntu_names PKG...: the same packages under Ubuntu's names, on stdout;
# notes on stderr.  Debian's names pass unchanged elsewhere.
ubuntu_names() {
	for p; do
		case $p in
		chromium)
			# Ubuntu's chromium-browser installs a snap, which runs in
			# no container; the slide tests that draw skip without one.
			if candidate chromium; then echo chromium; else
				echo "kvmlab: note: no chromium deb on Ubuntu (its chromium-browser is a snap):" >&2
				echo "  left out; the slide decks' screenshots and their tests need one" >&2
			fi ;;
		libclang-rt-14-dev)
			# libFuzzer's runtime: libclang-rt-N-dev where clang N has
			# one (Ubuntu 24.04: 18), else libclang-common-N-dev
			# (Ubuntu 22.04: 14), whichever clang the release calls clang.
			n=$(apt-cache depends clang 2>/dev/null |
				sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
			if [ -z "$n" ]; then echo "$p"
			elif candidate "libclang-rt-$n-dev"; then echo "libclang-rt-$n-dev"
			else echo "libclang-common-$n-dev"; fi ;;
		*) echo "$p" ;;
		esac
	done
}

what=${1:-build}
case "$what" in
build) pkgs=$build_pkgs ;;
grade) pkgs=$grade_pkgs ;;
slides) pkgs=$slides_pkgs ;;
check) pkgs=$check_pkgs ;;
emulated) pkgs=$emulated_pkgs ;;
report) pkgs="$check_pkgs $emulated_pkgs" ;;
*) echo "usage: $0 build|grade|slides|check|emulated|report" >&2; exit 2 ;;
esac

if command -v dpkg-query >/dev/null 2>&1 && is_ubuntu; then
	case $what in emulated | report) pkgs="$pkgs zstd" ;; esac
	case " $pkgs " in
	*" chromium "* | *" libclang-rt-14-dev "*) lists ;;
	esac
	# shellcheck disable=SC2086
	pkgs=$(ubuntu_names $pkgs | tr '\n' ' ')
fi

if [ "$what" = report ]; then
	for p in $pkgs; do
		if have "$p"; then printf '  ok       %s\n' "$p"; else printf '  MISSING  %s\n' "$p"; fi
	done
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "kvmlab: this is not a Debian or Ubuntu system (no dpkg-query)." >&2
	echo "  Install the equivalents of: $pkgs" >&2
	exit 0
fi

missing=$(missing_of "$pkgs")
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "kvmlab: missing packages:$missing" >&2
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
	if is_ubuntu; then
		none=""
		for p in $missing; do candidate "$p" || none="$none $p"; done
		[ -z "$none" ] || {
			echo "  apt knows no$none: some are in Ubuntu's universe component;" >&2
			echo "  enable it (add-apt-repository universe, or 'universe' on the lines" >&2
			echo "  of /etc/apt/sources.list) and run this again" >&2
		}
	fi
	exit 1
}
missing=$(missing_of "$pkgs")
if [ -n "$missing" ]; then
	echo "kvmlab: still missing after apt-get:$missing" >&2
	exit 1
fi
