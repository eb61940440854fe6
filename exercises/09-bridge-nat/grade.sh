#!/bin/bash
# Chapter 9's graded network checks, no KVM needed: build/kvmlab-net builds
# a topology in namespaces of the test's own (tests/net/netns.sh), with a
# stand-in on each guest's port (KVMLAB_NET_STANDINS=1: a veth into the
# namespace kvmlab-TOPO-gI, the guest's MAC and address), and the stand-ins
# ping as the guests would.
#   usage: grade.sh nat-masquerade | nat-forward | vlan-same |
#                   vlan-isolated | vlan-trunk
# Exit 0 pass, 1 fail (the first line that says FAIL tells why), 77 skip:
# no namespaces here, or (vlan) no 802.1Q in this kernel.
set -u
BUILD=${BUILD:-build}
NET=$BUILD/kvmlab-net
CASE=${1:-}

case $CASE in
nat-masquerade | nat-forward | vlan-same | vlan-isolated | vlan-trunk) ;;
*)
	echo "usage: grade.sh nat-masquerade|nat-forward|vlan-same|vlan-isolated|vlan-trunk" >&2
	exit 2
	;;
esac
command -v conntrack >/dev/null || {
	echo "FAIL: no conntrack here, which the NAT check reads: sudo apt-get install conntrack (make check installs it)"
	exit 1
}
[ -x "$NET" ] || {
	echo "FAIL: $NET is not built (make)"
	exit 1
}
if [ -z "${KVMLAB_GRADE_INSIDE:-}" ]; then
	KVMLAB_GRADE_INSIDE=1 exec "$(dirname "$0")/../../tests/net/netns.sh" \
		bash "$0" "$@"
fi

# ---- Inside the namespaces: everything here dies with the test ---------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-grade.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export KVMLAB_NET_STANDINS=1

fail() {
	echo "FAIL: $*"
	exit 1
}

# up TOPO: the student's kvmlab-net; its stub (status 78) is a failure
# whose message the grader reads ("exercise ... is not done yet").
up() {
	"$NET" up "$1" >"$TMP/up" 2>&1
	st=$?
	[ "$st" != 77 ] || { tail -n 1 "$TMP/up"; exit 77; }
	cat "$TMP/up"
	[ "$st" = 0 ] || fail "kvmlab-net up $1 ended with status $st"
}

# in_ns NS CMD...: CMD in the named namespace ("": here).
in_ns() {
	ns=$1
	shift
	if [ -z "$ns" ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# reaches NS ADDR: three pings from NS, every one answered.
reaches() {
	in_ns "$1" ping -c 3 -i 0.2 -W 2 "$2" >"$TMP/ping" 2>&1 &&
		grep -q " 0% packet loss" "$TMP/ping"
}

# unreachable NS ADDR: not one of three pings answered.
unreachable() {
	! in_ns "$1" ping -c 3 -i 0.2 -W 1 "$2" >"$TMP/ping" 2>&1 &&
		! grep -q "bytes from" "$TMP/ping"
}

# watch NS SRC...: from now on, count the ICMP echo requests that reach
# NS from each SRC (rules with no target only count; `seen` reads them).
# Counters, not tcpdump: tcpdump cannot run in `unshare -Urn` (it drops to
# its own user, which the user namespace does not map), and a graded
# check must not need root.
watch() {
	ns=$1
	shift
	if in_ns "$ns" iptables -w -N kvmlab-watch 2>/dev/null; then
		in_ns "$ns" iptables -w -I INPUT -p icmp --icmp-type echo-request \
			-j kvmlab-watch
	else
		in_ns "$ns" iptables -w -F kvmlab-watch
	fi
	for src; do in_ns "$ns" iptables -w -A kvmlab-watch -s "$src"; done
}

# seen NS SRC: how many echo requests from SRC reached NS since `watch`.
seen() {
	n=$(in_ns "$1" iptables -w -S kvmlab-watch -v |
		sed -n "s|^-A kvmlab-watch -s $2/32 -c \([0-9]*\) .*|\1|p")
	echo "${n:-0}"
}

# standin_nat I ADDR: guest I of the nat topology, static, gateway .1.
standin_nat() {
	if ! in_ns "kvmlab-nat-g$1" ip addr add "$2" dev eth0 ||
		! in_ns "kvmlab-nat-g$1" ip route add default via 192.168.122.1; then
		fail "cannot address stand-in $1"
	fi
}

# ---- NAT ---------------------------------------------------------------

# With the rule: the outside sees the host's 203.0.113.1 and answers it;
# conntrack holds the translation.  Without it: the outside sees the
# guest's own address, which it cannot answer.
nat_masquerade() {
	up nat
	standin_nat 0 192.168.122.50/24
	watch kvmlab-nat-out 203.0.113.1 192.168.122.50
	reaches kvmlab-nat-g0 203.0.113.2 ||
		fail "192.168.122.50 cannot ping 203.0.113.2 through the NAT: $(tail -n 2 "$TMP/ping" | head -n 1)"
	echo "the outside saw echo requests: $(seen kvmlab-nat-out 203.0.113.1) from 203.0.113.1, $(seen kvmlab-nat-out 192.168.122.50) from 192.168.122.50"
	[ "$(seen kvmlab-nat-out 203.0.113.1)" -ge 3 ] ||
		fail "the outside did not see 203.0.113.1 ping it"
	[ "$(seen kvmlab-nat-out 192.168.122.50)" = 0 ] ||
		fail "the outside saw the guest's address: not translated"
	conntrack -L -p icmp >"$TMP/ct" 2>&1
	cat "$TMP/ct"
	grep -q "src=192.168.122.50 dst=203.0.113.2 .*src=203.0.113.2 dst=203.0.113.1 " "$TMP/ct" ||
		fail "conntrack -L shows no translated flow from 192.168.122.50"
	echo "with the rule: the outside sees 203.0.113.1, conntrack the flow"

	# The same without the translation (and the flows it made).
	iptables -t nat -F POSTROUTING
	conntrack -F >/dev/null 2>&1
	watch kvmlab-nat-out 203.0.113.1 192.168.122.50
	unreachable kvmlab-nat-g0 203.0.113.2 ||
		fail "without the POSTROUTING rules a reply still came back"
	[ "$(seen kvmlab-nat-out 192.168.122.50)" -ge 1 ] ||
		fail "without the POSTROUTING rules the outside should see 192.168.122.50"
	echo "without it: the outside sees 192.168.122.50, no reply comes back"
}

# ip_forward on, and the rule narrow: the guests' subnet only (a forwarded
# packet from elsewhere keeps its source), out of kvm-nat-up only (a
# packet to another link keeps its source); down puts ip_forward back.
nat_forward() {
	fwd0=$(sysctl -n net.ipv4.ip_forward)
	up nat
	[ "$(sysctl -n net.ipv4.ip_forward)" = 1 ] ||
		fail "net.ipv4.ip_forward is not 1 after up nat"
	standin_nat 0 192.168.122.50/24
	reaches kvmlab-nat-g0 203.0.113.2 ||
		fail "192.168.122.50 cannot ping 203.0.113.2 through the NAT"

	# A source not in 192.168.122.0/24, routed through the gateway.
	in_ns kvmlab-nat-g1 ip addr add 10.99.0.5/32 dev eth0
	in_ns kvmlab-nat-g1 ip route add default via 192.168.122.1 dev eth0 onlink
	watch kvmlab-nat-out 10.99.0.5
	unreachable kvmlab-nat-g1 203.0.113.2
	[ "$(seen kvmlab-nat-out 10.99.0.5)" -ge 1 ] ||
		fail "a packet from 10.99.0.5 (not a guest) was translated, or not forwarded: the rule must match -s 192.168.122.0/24 only"

	# Another link out of the host: 198.51.100.0/24 in its own namespace.
	ip netns add kvmlab-nat-probe
	ip link add kvm-probe type veth peer name eth0 netns kvmlab-nat-probe
	ip addr add 198.51.100.1/24 dev kvm-probe
	ip link set kvm-probe up
	in_ns kvmlab-nat-probe ip addr add 198.51.100.2/24 dev eth0
	in_ns kvmlab-nat-probe ip link set eth0 up
	watch kvmlab-nat-probe 192.168.122.50
	unreachable kvmlab-nat-g0 198.51.100.2
	[ "$(seen kvmlab-nat-probe 192.168.122.50)" -ge 1 ] ||
		fail "a guest's packet out of another link was translated, or not forwarded: the rule must match -o kvm-nat-up only"

	# Forwarding off: nothing crosses, rule or not.
	sysctl -qw net.ipv4.ip_forward=0
	unreachable kvmlab-nat-g0 203.0.113.2 ||
		fail "with ip_forward 0 a ping still crossed the host"
	sysctl -qw net.ipv4.ip_forward=1

	"$NET" down nat >"$TMP/down" 2>&1 || {
		cat "$TMP/down"
		fail "kvmlab-net down nat failed"
	}
	[ "$(sysctl -n net.ipv4.ip_forward)" = "$fwd0" ] ||
		fail "down nat left ip_forward $(sysctl -n net.ipv4.ip_forward), not $fwd0 as before up"
	! iptables -t nat -S POSTROUTING | grep -q "^-A" ||
		fail "down nat left a rule in POSTROUTING: $(iptables -t nat -S POSTROUTING | grep "^-A")"
	echo "ip_forward on (and back to $fwd0 after down); the rule: guests only, out of kvm-nat-up only"
}

# ---- VLAN --------------------------------------------------------------

# The tenant ports' tables, for the log and the checks.
vlan_table() {
	bridge vlan show >"$TMP/vlans"
	cat "$TMP/vlans"
	ip -d link show kvm-vlan | grep -q "vlan_filtering 1 " ||
		fail "kvm-vlan does not filter VLANs (vlan_filtering 0): every tag is ignored"
}

vlan_same() {
	up vlan
	vlan_table
	for p in kvm-vlan-0 kvm-vlan-1; do
		bridge vlan show dev "$p" | grep -q " 10 PVID Egress Untagged" ||
			fail "$p is not an access port of vid 10 (pvid untagged)"
	done
	reaches kvmlab-vlan-g0 10.0.9.12 ||
		fail "tenant A: 10.0.9.11 cannot ping 10.0.9.12"
	reaches kvmlab-vlan-g1 10.0.9.11 ||
		fail "tenant A: 10.0.9.12 cannot ping 10.0.9.11"
	echo "tenant A's two guests reach each other on vid 10"
}

vlan_isolated() {
	up vlan
	vlan_table
	reaches kvmlab-vlan-g0 10.0.9.12 ||
		fail "tenant A: 10.0.9.11 cannot ping 10.0.9.12 (isolation means nothing if nothing passes)"
	unreachable kvmlab-vlan-g0 10.0.9.21 ||
		fail "tenant A (vid 10) reached tenant B (vid 20) at 10.0.9.21"
	unreachable kvmlab-vlan-g2 10.0.9.11 ||
		fail "tenant B (vid 20) reached tenant A at 10.0.9.11"
	unreachable kvmlab-vlan-g3 10.0.9.11 ||
		fail "tenant C (kvm-vlan-b) reached tenant A at 10.0.9.11"
	unreachable kvmlab-vlan-g3 10.0.9.21 ||
		fail "tenant C (kvm-vlan-b) reached tenant B at 10.0.9.21"
	# The trunk's untagged frames (its native VLAN) belong to no tenant: a
	# vid 1 left on the ports would join the far host to all of them.
	in_ns kvmlab-vlan-peer ip addr add 10.0.9.200/32 dev eth0
	in_ns kvmlab-vlan-peer ip route add 10.0.9.11/32 dev eth0 src 10.0.9.200
	unreachable kvmlab-vlan-peer 10.0.9.11
	# Had its ARP request arrived, A would have learnt 10.0.9.200.
	[ -z "$(in_ns kvmlab-vlan-g0 ip neigh show 10.0.9.200)" ] ||
		fail "an untagged frame on the trunk reached tenant A (vid 1 is still on the ports?)"
	echo "A and B do not reach each other; C reaches neither; untagged frames on the trunk reach no one"
}

vlan_trunk() {
	up vlan
	vlan_table
	# The peer's eth0 has no address: only eth0.10, which takes frames
	# tagged 10 and no others, can receive these requests.
	in_ns kvmlab-vlan-peer iptables -w -I INPUT -i eth0.10 -p icmp \
		--icmp-type echo-request -s 10.0.9.11 -m comment --comment tagged10
	reaches kvmlab-vlan-g0 10.0.9.100 ||
		fail "tenant A (10.0.9.11) cannot ping 10.0.9.100 across the trunk"
	n=$(in_ns kvmlab-vlan-peer iptables -w -S INPUT -v |
		sed -n 's/.*tagged10 -c \([0-9]*\) .*/\1/p')
	echo "echo requests from 10.0.9.11 received on the peer's eth0.10: ${n:-0}"
	[ "${n:-0}" -ge 3 ] ||
		fail "the trunk did not carry tenant A's ping tagged 'vlan 10' to eth0.10"
	unreachable kvmlab-vlan-g2 10.0.9.100 ||
		fail "tenant B (vid 20) reached 10.0.9.100 (tenant A's, vid 10)"
	echo "tenant A crosses the trunk tagged vlan 10; B does not reach A's host"
}

"${CASE//-/_}"
