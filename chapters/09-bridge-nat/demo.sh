#!/bin/sh
# `make run`'s chapter 9: the nat topology (libvirt's default network)
# and one guest on it, where it harms nothing: in a network, mount and pid
# namespace of its own (tests/net/netns.sh; as root, or in a user
# namespace where those are allowed).  build/kvmlab-net brings nat up,
# printing each command; the guest takes its address from dnsmasq, pings
# its gateway and the outside namespace (203.0.113.2) three times each
# and ends: status 0 if every reply came.  Then `status nat` shows the
# lease and the conntrack entries, and `down nat` removes it all (the
# namespaces would take it with them anyway).
#
#   usage: chapters/09-bridge-nat/demo.sh BUILD
set -u
build=${1:?usage: demo.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)

if [ -z "${KVMLAB_IN_NETNS:-}" ]; then
	[ -c /dev/net/tun ] || {
		echo "ch09: skipped: no /dev/net/tun (the TUN/TAP driver:" \
			"sudo modprobe tun)"
		exit 0
	}
	# A TAP of one's own needs /dev/net/tun open for writing (0666 on
	# most machines); 0600 leaves it to root.
	[ "$(id -u)" = 0 ] || [ -w /dev/net/tun ] || {
		echo "ch09: skipped: /dev/net/tun is not open to you" \
			"($(ls -l /dev/net/tun | cut -d' ' -f1)): run make run as" \
			"root, or see chapters/09-bridge-nat/README.md, \"Run it\""
		exit 0
	}
	echo "\$ tests/net/netns.sh: namespaces of its own, a private /run"
	KVMLAB_IN_NETNS=1 bash "$top/tests/net/netns.sh" sh "$0" "$build"
	st=$?
	[ "$st" = 77 ] || exit "$st"
	echo "ch09: skipped: no namespaces here (the line above says why)"
	echo "  (chapters/09-bridge-nat/README.md shows the steps with sudo" \
		"instead)"
	exit 0
fi

# One guest is enough to watch: kvm-nat-0.
export KVMLAB_NET_GUESTS=1
echo "\$ $build/kvmlab-net up nat"
"$build/kvmlab-net" up nat || exit
# The guest's command line, as `status` prints it.
cmd=$("$build/kvmlab-net" status nat | grep -m 1 "/ch09 --tap ")
echo "\$ $cmd"
eval "$(echo "$cmd" | sed 's|/ch09 |/ch09 --timeout 120 |')"
st=$?
echo "guest: exit status $st"
echo "\$ $build/kvmlab-net status nat"
"$build/kvmlab-net" status nat
echo "\$ $build/kvmlab-net down nat"
"$build/kvmlab-net" down nat || exit
exit "$st"
