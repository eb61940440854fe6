#!/bin/bash
# Chapter 9: real guests (build/ch09) on the topologies build/kvmlab-net
# makes, each case whole inside tests/net/netns.sh (a network, mount and
# pid namespace of its own, a private /run): when the case ends, or is
# killed, every link, rule, namespace, dnsmasq and tcpdump goes with it.
# Each case still takes its topology down itself and proves that down
# left nothing; outside, it proves that no process it started (found by
# this run's KVMLAB_OUTER in its environment) is alive.  The guests' TAPs
# and MACs are the ones `kvmlab-net status` prints.
#   usage: ch09.sh bridged | host-only | nat | nat-no-masq | vlan | pcap
. "$(dirname "$0")/lib.sh"

NET=$BUILD/kvmlab-net
CASES="bridged host-only nat nat-no-masq vlan pcap"

# ---- Outside: run the case in its namespaces, check after --------------

if [ -z "${KVMLAB_IN_NETNS:-}" ]; then
	case " $CASES " in *" ${1:-} "*) ;; *)
		echo "usage: $0 ${CASES// / | }"
		exit 2 ;;
	esac
	need_kvm
	[ -c /dev/net/tun ] ||
		skip "no /dev/net/tun: this kernel has no TUN/TAP driver (modprobe tun)"
	[ -x "$NET" ] || fail "$NET is not built"
	[ -x "$BUILD/ch09" ] || fail "$BUILD/ch09 is not built"
	start=$(date +%s)
	# A TERM (the runner's timeout) is passed on by netns.sh: the case
	# stops its guests, and the kernel ends what is left in its pid
	# namespace.
	KVMLAB_IN_NETNS=1 KVMLAB_OUTER=$TMP bash "$(dirname "$0")/../net/netns.sh" \
		bash "$0" "$@" &
	inner=$!
	trap 'kill "$inner" 2>/dev/null; wait "$inner"; exit 1' INT TERM HUP
	wait "$inner"
	st=$?
	# Nothing it started is alive: each of its processes (VMMs, dnsmasq,
	# tcpdump) inherited KVMLAB_OUTER=$TMP, which no other one has.
	sleep 0.2
	for e in /proc/[0-9]*/environ; do
		tr '\0' '\n' <"$e" 2>/dev/null | grep -qx "KVMLAB_OUTER=$TMP" ||
			continue
		pid=${e#/proc/}
		pid=${pid%/environ}
		[ "$pid" = $$ ] ||
			fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) outlived the test"
	done
	echo "time: $(($(date +%s) - start)) s"
	exit "$st"
fi

# ---- Inside the namespaces ---------------------------------------------

VMMS=
TCPDUMPS=
TOPO=

# Stop everything on any way out (fail and skip exit through here).
trap 'cleanup; rm -rf "$TMP"' EXIT

cleanup() {
	for p in $VMMS $TCPDUMPS; do kill "$p" 2>/dev/null; done
	for p in $VMMS $TCPDUMPS; do wait "$p" 2>/dev/null; done
	VMMS="" TCPDUMPS=""
	[ -z "$TOPO" ] || "$NET" down "$TOPO" >/dev/null 2>&1
}

# Keep what a case made for the log, then remove it as the lesson says.
show_file() { # LABEL FILE
	echo "--- $1 ---"
	cat "$2"
}

# up TOPO: the topology, its commands in the log; 77 passed on (vlan).
up() {
	TOPO=$1
	echo "\$ kvmlab-net up $1"
	"$NET" up "$1" >"$TMP/up.out" 2>&1
	st=$?
	[ "$st" != 77 ] || { TOPO= && skip "$(tail -n 1 "$TMP/up.out")"; }
	[ "$st" = 0 ] || { cat "$TMP/up.out"; fail "kvmlab-net up $1: status $st"; }
	grep -c '^\$ ' "$TMP/up.out" | sed 's/$/ commands run/'
	"$NET" status "$1" >"$TMP/status.out" 2>&1 ||
		fail "kvmlab-net status $1 failed: $(tail -n 3 "$TMP/status.out")"
}

# port I / mac I: guest I's TAP and MAC, as `kvmlab-net status` prints them.
port() { sed -n "$(($1 + 1))p" "$TMP/guests" | cut -d' ' -f1; }
mac() { sed -n "$(($1 + 1))p" "$TMP/guests" | cut -d' ' -f2; }
guests_of_status() {
	sed -n 's/.*ch09 --tap \([^ ]*\) --mac \([^ ]*\) .*/\1 \2/p' \
		"$TMP/status.out" >"$TMP/guests"
	[ -s "$TMP/guests" ] || fail "kvmlab-net status names no guest (--tap, --mac)"
}

# guest I ARGS [VMM OPTIONS...]: start guest I in the background; its
# console in $TMP/gI.out, its messages in $TMP/gI.err, its pid in G[I].
declare -a G
guest() {
	i=$1 args=$2
	shift 2
	echo "\$ ch09 --tap $(port "$i") --mac $(mac "$i")${*:+ $*} --cmdline \"$args\""
	: >"$TMP/g$i.out"
	"$BUILD/ch09" --tap "$(port "$i")" --mac "$(mac "$i")" --timeout 240 \
		"$@" --cmdline "$args" </dev/null >"$TMP/g$i.out" 2>"$TMP/g$i.err" &
	G[i]=$!
	VMMS="$VMMS $!"
}

# wait_line I TEXT SECONDS: until guest I's console shows TEXT.
wait_line() {
	end=$(($(date +%s) + $3))
	until grep -qF -- "$2" "$TMP/g$1.out"; do
		stub_check
		kill -0 "${G[$1]}" 2>/dev/null || {
			wait "${G[$1]}"
			OUT=$TMP/g$1.out ERR=$TMP/g$1.err
			fail "guest $1 ended (status $?) before: $2"
		}
		[ "$(date +%s)" -lt "$end" ] || {
			OUT=$TMP/g$1.out ERR=$TMP/g$1.err
			fail "guest $1: no '$2' in $3 s"
		}
		sleep 0.2
	done
}

# finish I STATUS: wait for guest I's end (at most 180 s); its status
# must be STATUS.  Its console goes into the log.
finish() {
	end=$(($(date +%s) + 180))
	while kill -0 "${G[$1]}" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.2
	done
	kill "${G[$1]}" 2>/dev/null
	wait "${G[$1]}"
	STATUS=$? OUT=$TMP/g$1.out ERR=$TMP/g$1.err
	note_guest_stub
	echo "guest $1: status $STATUS"
	sed 's/^/  /' "$OUT" | grep -E 'dhcp:|ping |net: '
	expect_status "$2"
}

# halt I ADDR [NS]: the "halt" datagram to guest I (port 9), from here
# or from namespace NS: it ends with 0.
halt() {
	${3:+ip netns exec "$3"} "$BUILD/tests/udpecho" -m halt "$2" 9 ||
		fail "cannot send guest $1 the halt datagram"
	finish "$1" 0
}

# bound I: guest I's address from its "dhcp: bound A/N gw G" line.
bound() {
	sed -n 's/^dhcp: bound \([0-9.]*\)\/.*/\1/p' "$TMP/g$1.out" | tail -n 1
}

# in_pool ADDR PREFIX: ADDR is PREFIX.100 to PREFIX.199 (dnsmasq's pool).
in_pool() {
	case $1 in "$2".1[0-9][0-9]) ;; *)
		fail "$1 is not in dnsmasq's pool $2.100-199" ;;
	esac
}

# expect_ping I TARGET SENT RECEIVED: guest I's sum for TARGET.
expect_ping() {
	grep -qxF "ping $2: $3 sent, $4 received" "$TMP/g$1.out" ||
		# shellcheck disable=SC2034 # ERR: fail prints it
		{ OUT=$TMP/g$1.out && ERR=$TMP/g$1.err && fail "guest $1: no 'ping $2: $3 sent, $4 received'"; }
}

# capture NAME [ip netns exec NS] tcpdump ARGS...: in the background,
# to $TMP/NAME.txt, once it listens.
capture() {
	name=$1
	shift
	"$@" >"$TMP/$name.txt" 2>"$TMP/$name.err" &
	TCPDUMPS="$TCPDUMPS $!"
	end=$(($(date +%s) + 30))
	until grep -q "listening on" "$TMP/$name.err"; do
		if ! kill -0 $! 2>/dev/null; then
			# In `unshare -Urn` (no root) tcpdump cannot drop to its own
			# user, which the user namespace does not map.
			if grep -q "Couldn't change to" "$TMP/$name.err"; then
				echo "skipped: tcpdump cannot run in this user namespace" \
					"($(head -n 1 "$TMP/$name.err")): run the test as root," \
					"or with KVM=emulated"
				exit 77
			fi
			fail "tcpdump ($*) ended: $(cat "$TMP/$name.err")"
		fi
		[ "$(date +%s)" -lt "$end" ] || fail "tcpdump ($*) did not start listening"
		sleep 0.2
	done
}

# stop_captures: end every tcpdump (each writes out what it has).
stop_captures() {
	for p in $TCPDUMPS; do kill -INT "$p" 2>/dev/null; done
	for p in $TCPDUMPS; do wait "$p" 2>/dev/null; done
	TCPDUMPS=
}

# down_clean: `kvmlab-net down`, then nothing of it left in here.
down_clean() {
	"$NET" down "$TOPO" >"$TMP/down.out" 2>&1 ||
		fail "kvmlab-net down $TOPO: $(tail -n 3 "$TMP/down.out")"
	TOPO=
	left=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^kvm-')
	[ -z "$left" ] || fail "links left after down: $left"
	left=$(find /run/netns -name 'kvmlab-*' 2>/dev/null)
	[ -z "$left" ] || fail "namespaces left after down: $left"
	left=$({ iptables -w -t nat -S; iptables -w -S; } 2>/dev/null | grep kvmlab)
	[ -z "$left" ] || fail "rules left after down: $left"
	left=$(pgrep -a dnsmasq)
	[ -z "$left" ] || fail "dnsmasq left after down: $left"
	[ ! -e /run/kvmlab-net ] || fail "state left after down: $(ls -R /run/kvmlab-net)"
	echo "down: no kvm-* link, kvmlab-* namespace, kvmlab rule, dnsmasq or state left"
}

echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 2>/dev/null

# nat_case MASQ: one guest through the NAT, captured on both sides.
nat_case() {
	up nat
	guests_of_status
	[ "$1" = masq ] || no_masq
	capture bridge tcpdump -lni kvm-nat icmp
	capture outside ip netns exec kvmlab-nat-out tcpdump -lni eth0 icmp
	guest 0 "dhcp ping=gw,203.0.113.2 count=3 once"
	wait_line 0 "dhcp: bound " 120
	a=$(bound 0)
	case $a in 192.168.122.*) ;; *) fail "guest 0 bound '$a', not 192.168.122.x" ;; esac
	if [ "$1" = masq ]; then
		finish 0 0
		expect_ping 0 192.168.122.1 3 3
		expect_ping 0 203.0.113.2 3 3
	else
		finish 0 1
		expect_ping 0 192.168.122.1 3 3
		expect_ping 0 203.0.113.2 3 0
	fi
	stop_captures
	show_file "tcpdump -ni kvm-nat icmp" "$TMP/bridge.txt"
	show_file "ip netns exec kvmlab-nat-out tcpdump -ni eth0 icmp" "$TMP/outside.txt"
	grep -q "IP $a > 203.0.113.2: ICMP echo request" "$TMP/bridge.txt" ||
		fail "kvm-nat: no echo request from $a to 203.0.113.2"
	"$NET" status nat >"$TMP/status.out" 2>&1
	show_file "kvmlab-net status nat" "$TMP/status.out"
	grep -qi "$(mac 0) $a " "$TMP/status.out" ||
		fail "kvmlab-net status nat: no lease for $(mac 0) at $a"
	if [ "$1" = masq ]; then
		grep -q "IP 203.0.113.2 > $a: ICMP echo reply" "$TMP/bridge.txt" ||
			fail "kvm-nat: no echo reply to $a (translated back)"
		grep -q "IP 203.0.113.1 > 203.0.113.2: ICMP echo request" "$TMP/outside.txt" ||
			fail "outside: no echo request from 203.0.113.1 (the NAT's address)"
		grep -q "IP 203.0.113.2 > 203.0.113.1: ICMP echo reply" "$TMP/outside.txt" ||
			fail "outside: no echo reply to 203.0.113.1"
		! grep -q "192\.168\.122\." "$TMP/outside.txt" ||
			fail "outside: a guest address crossed the NAT untranslated"
		grep -E "^ +icmp .*src=$a dst=203\.0\.113\.2 .*src=203\.0\.113\.2 dst=203\.0\.113\.1 " \
			"$TMP/status.out" >"$TMP/ct" ||
			fail "conntrack: no flow src=$a dst=203.0.113.2, reply dst=203.0.113.1"
		echo "conntrack: $(head -n 1 "$TMP/ct")"
	else
		grep -q "IP $a > 203.0.113.2: ICMP echo request" "$TMP/outside.txt" ||
			fail "outside: no untranslated echo request from $a"
		! grep -q "IP 203.0.113.1 > " "$TMP/outside.txt" ||
			fail "outside: a request was translated, with no MASQUERADE rule"
		! grep -q "IP 203.0.113.2 > $a: ICMP echo reply" "$TMP/bridge.txt" ||
			fail "kvm-nat: a reply reached the guest, with no MASQUERADE rule"
		! grep -q "IP 203.0.113.2 > .*echo reply" "$TMP/outside.txt" ||
			fail "outside: a reply left, with no route back to the guests"
	fi
	down_clean
}

# no_masq: the rule `up nat` printed, deleted as the student would (its
# -A becomes -D); ip_forward stays on, so the requests still go out.
no_masq() {
	rule=$(sed -n 's/^\$ iptables -w -t nat -A POSTROUTING \(.*MASQUERADE.*\)/\1/p' \
		"$TMP/up.out")
	[ -n "$rule" ] || fail "kvmlab-net up nat printed no MASQUERADE rule"
	echo "\$ iptables -t nat -D POSTROUTING $rule"
	# shellcheck disable=SC2086
	iptables -w -t nat -D POSTROUTING $rule || fail "cannot delete the rule"
	! iptables -w -t nat -S | grep -q MASQUERADE || fail "a MASQUERADE rule is left"
}

case $1 in
bridged)
	# Guest 0 comes up and answers; guest 1 pings the router and it,
	# and stays; guest 0 is started again to ping the router and guest
	# 1 (dnsmasq gives its MAC the same address).  DHCP all the way: no
	# address is guessed.
	up bridged
	guests_of_status
	guest 0 dhcp
	wait_line 0 "dhcp: bound " 120
	a0=$(bound 0)
	in_pool "$a0" 192.168.50
	guest 1 "dhcp ping=gw,$a0 count=3"
	wait_line 1 "ping $a0: 3 sent," 150
	a1=$(bound 1)
	in_pool "$a1" 192.168.50
	[ "$a0" != "$a1" ] || fail "both guests bound $a0"
	expect_ping 1 192.168.50.1 3 3
	expect_ping 1 "$a0" 3 3
	halt 0 "$a0"
	guest 0 "dhcp ping=gw,$a1 count=3 once"
	finish 0 0
	[ "$(bound 0)" = "$a0" ] || fail "guest 0 bound $(bound 0) the second time, not $a0"
	expect_ping 0 192.168.50.1 3 3
	expect_ping 0 "$a1" 3 3
	halt 1 "$a1"
	grep -q "offer $a0 from 192.168.50.1" "$TMP/g0.out" ||
		fail "guest 0's offer did not come from the LAN's router"
	down_clean
	;;
host-only)
	up host-only
	guests_of_status
	capture outside ip netns exec kvmlab-hostonly-out tcpdump -lni eth0 net 192.168.56.0/24
	guest 0 dhcp
	wait_line 0 "dhcp: bound " 120
	a0=$(bound 0)
	in_pool "$a0" 192.168.56
	# Guest 1 is told a gateway (dnsmasq offers none here), and the host
	# routes for others (as with nat up too): its FORWARD rule still
	# keeps what arrives on the bridge from leaving it.
	sysctl -qw net.ipv4.ip_forward=1
	guest 1 "ip=192.168.56.77/24 gw=192.168.56.1 ping=192.168.56.1,$a0,198.51.100.2 count=3 once"
	finish 1 1
	expect_ping 1 192.168.56.1 3 3
	expect_ping 1 "$a0" 3 3
	expect_ping 1 198.51.100.2 3 0
	halt 0 "$a0"
	stop_captures
	show_file "ip netns exec kvmlab-hostonly-out tcpdump -ni eth0 net 192.168.56.0/24" \
		"$TMP/outside.txt"
	! grep -q "192\.168\.56\." "$TMP/outside.txt" ||
		fail "the outside saw the host-only subnet"
	down_clean
	;;
nat)
	nat_case masq
	;;
nat-no-masq)
	nat_case no-masq
	;;
vlan)
	up vlan
	guests_of_status
	capture trunk tcpdump -elni kvm-vlan-trunk icmp or arp
	# Guest 1 (A) answers; guest 3 (C, its own bridge) tries tenant A
	# and stays.  Both are up before guest 0's ARP requests go out.
	guest 1 "ip=10.0.9.12/24"
	guest 3 "ip=10.0.9.31/24 ping=10.0.9.11 count=2"
	wait_line 1 "link up" 120
	wait_line 3 "link up" 120
	guest 0 "ip=10.0.9.11/24 ping=10.0.9.12,10.0.9.100,10.0.9.21,10.0.9.31 count=2 once"
	guest 2 "ip=10.0.9.21/24 ping=10.0.9.100,10.0.9.11 count=2 once"
	finish 0 1
	expect_ping 0 10.0.9.12 2 2
	expect_ping 0 10.0.9.100 2 2
	expect_ping 0 10.0.9.21 2 0
	expect_ping 0 10.0.9.31 2 0
	finish 2 1
	expect_ping 2 10.0.9.100 2 0
	expect_ping 2 10.0.9.11 2 0
	wait_line 3 "ping 10.0.9.11: 2 sent," 60
	expect_ping 3 10.0.9.11 2 0
	# Guest 1 through the trunk, from the peer's eth0.10; guest 3 is
	# reachable from nowhere: it is stopped.
	halt 1 10.0.9.12 kvmlab-vlan-peer
	kill -0 "${G[3]}" 2>/dev/null || fail "guest 3 ended before it was stopped"
	kill "${G[3]}"
	wait "${G[3]}"
	echo "guest 3: stopped (status $?)"
	sed 's/^/  /' "$TMP/g3.out" | grep -E 'ping '
	stop_captures
	show_file "tcpdump -eni kvm-vlan-trunk" "$TMP/trunk.txt"
	grep "$(mac 0)" "$TMP/trunk.txt" | grep -q "vlan 10," ||
		fail "trunk: no frame of guest 0's tagged vlan 10"
	! grep "$(mac 0)\|$(mac 2)" "$TMP/trunk.txt" | grep -vq "vlan" ||
		fail "trunk: an untagged frame of a tenant"
	down_clean
	;;
pcap)
	up nat
	guests_of_status
	guest 0 "dhcp ping=gw,203.0.113.2 count=2 once" --pcap "$TMP/g0.pcap"
	finish 0 0
	a=$(bound 0)
	tcpdump -nr "$TMP/g0.pcap" >"$TMP/dump" 2>"$TMP/dump.err" ||
		fail "tcpdump cannot read the pcap: $(cat "$TMP/dump.err")"
	tcpdump -vnr "$TMP/g0.pcap" udp 2>/dev/null | grep "DHCP-Message" >"$TMP/dhcp"
	show_file "tcpdump -nr g0.pcap" "$TMP/dump"
	show_file "tcpdump -vnr g0.pcap udp | grep DHCP-Message" "$TMP/dhcp"
	for m in Discover Offer Request ACK; do
		grep -q "DHCP-Message.*: $m" "$TMP/dhcp" || fail "pcap: no DHCP $m"
	done
	grep -q "BOOTP/DHCP, Request from $(mac 0)" "$TMP/dump" ||
		fail "pcap: no BOOTP/DHCP request from $(mac 0)"
	grep -q "BOOTP/DHCP, Reply" "$TMP/dump" || fail "pcap: no BOOTP/DHCP reply"
	for t in 192.168.122.1 203.0.113.2; do
		n=$(grep -c "IP $a > $t: ICMP echo request" "$TMP/dump")
		r=$(grep -c "IP $t > $a: ICMP echo reply" "$TMP/dump")
		[ "$n" -eq 2 ] && [ "$r" -eq 2 ] ||
			fail "pcap: $n requests from $a to $t and $r replies, not 2 and 2"
	done
	down_clean
	;;
esac
echo "ok: $1"
