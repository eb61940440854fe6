#!/bin/sh
# `make run`'s chapter 8: build/ch08 needs a TAP device to wire its NIC
# to, so this makes one where it harms nothing, in a network namespace of
# its own (`unshare -n` as root, `unshare -Urn` otherwise: no root needed
# where user namespaces are allowed).  There, tap0 gets 10.0.2.1/24, and
# the guest (10.0.2.15) pings it four times and ends: status 0 if every
# reply came.  The namespace vanishes with its last process, TAP and all.
#
#   usage: chapters/08-virtio-net/demo.sh BUILD
set -u
build=${1:?usage: demo.sh BUILD}

if [ -z "${KVMLAB_IN_NETNS:-}" ]; then
	[ -c /dev/net/tun ] || {
		echo "ch08: skipped: no /dev/net/tun (the TUN/TAP driver:" \
			"sudo modprobe tun)"
		exit 0
	}
	if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -Urn"; fi
	if ! err=$($ns true 2>&1); then
		echo "ch08: skipped: '$ns' cannot make a network namespace" \
			"here: $err"
		echo "  (chapters/08-virtio-net/README.md, \"Run it\", shows" \
			"the steps with sudo instead)"
		exit 0
	fi
	echo "\$ $ns: a network namespace with tap0 at 10.0.2.1/24"
	KVMLAB_IN_NETNS=1 exec $ns sh "$0" "$build"
fi

ip link set lo up
if ! err=$(ip tuntap add tap0 mode tap 2>&1); then
	echo "ch08: skipped: cannot make a TAP in the namespace: $err"
	echo "  (/dev/net/tun must be open to you: \`ls -l /dev/net/tun\`;" \
		"Debian makes it 0666; or run as root)"
	exit 0
fi
ip addr add 10.0.2.1/24 dev tap0
ip link set tap0 up
args="ip=10.0.2.15/24 gw=10.0.2.1 ping=10.0.2.1 count=4 once"
echo "\$ $build/ch08 --tap tap0 --timeout 60 --cmdline \"$args\""
exec "$build/ch08" --tap tap0 --timeout 60 --cmdline "$args"
