#!/bin/bash
# build/kvmlab-net's promises, each in namespaces of the test's own
# (tests/net/netns.sh):
#   idempotent  up twice = the same dumps (links, addresses, rules, VLANs,
#               sysctls, namespaces); down = the dumps from before up
#   crash       kill -9 in the middle of up (and dnsmasq), then down:
#               the dumps from before up; up again works
#   dry-run     -n prints the commands and changes nothing
#   leftovers   a test killed (SIGKILL) half-way leaves nothing outside:
#               no namespace, link, rule, process or lease file
#   no-8021q    where the kernel has no 802.1Q: up vlan says so, exit 77,
#               and makes nothing (skipped where the kernel has it)
#   usage: tooling.sh idempotent|crash|dry-run|leftovers|no-8021q
set -u
BUILD=${BUILD:-build}
NET=$(cd "$BUILD" 2>/dev/null && pwd)/kvmlab-net
CASE=${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)

fail() {
	echo "FAIL: $*"
	exit 1
}
[ -x "$NET" ] || fail "$NET is not built (make)"

if [ -z "${KVMLAB_TOOLING_INSIDE:-}" ] && [ "$CASE" != leftovers ]; then
	KVMLAB_TOOLING_INSIDE=1 exec "$HERE/netns.sh" bash "$0" "$@"
fi
# No TAPs where /dev/net/tun is not ours (0600, unprivileged): stand-ins.
[ -w /dev/net/tun ] || export KVMLAB_NET_STANDINS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-tooling.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# dump: what kvmlab-net may change, timers, counters and IPv6's duplicate
# address detection (a "tentative" that goes by itself) left out.
dump() {
	ip -d link show | sed -E 's/ [a-z_]*timer +[0-9.]+//g'
	ip addr show | sed 's/ tentative//'
	for ns in /run/netns/*; do
		[ -e "$ns" ] || continue
		ns=${ns##*/}
		echo "== netns $ns"
		ip -n "$ns" -d link show | sed -E 's/ [a-z_]*timer +[0-9.]+//g'
		ip -n "$ns" addr show | sed 's/ tentative//'
	done
	iptables-save | grep '^-'
	bridge vlan show
	sysctl net.ipv4.ip_forward
	find /run/kvmlab-net 2>/dev/null
	pgrep -a dnsmasq
}

# same A B WHAT: the dumps A and B are equal, else the difference.
same() {
	cmp -s "$TMP/$1" "$TMP/$2" ||
		fail "$3: $(diff "$TMP/$1" "$TMP/$2" | head -n 20)"
}

topologies() {
	echo bridged host-only nat
	# As kvmlab-net asks: a VLAN on lo (refused) loads 8021q on demand,
	# and /proc/net/vlan appears with it.
	ip link add link lo name kvm-probe type vlan id 2 >/dev/null 2>&1 &&
		ip link del kvm-probe
	[ ! -e /proc/net/vlan/config ] || echo vlan
}

idempotent() {
	ts=$(topologies | tr '\n' ' ')
	case $ts in *vlan*) ;; *) echo "(no 802.1Q here: vlan not tried)" ;; esac
	if [ -n "${ONLY:-}" ]; then
		case " $ts " in *" $ONLY "*) ts=$ONLY ;; *)
			echo "skipped: no 802.1Q in this kernel: $ONLY cannot be made here"
			exit 77 ;;
		esac
	fi
	for t in $ts; do
		dump >"$TMP/before"
		"$NET" up "$t" >"$TMP/up1" 2>&1 || {
			cat "$TMP/up1"
			fail "up $t failed"
		}
		dump >"$TMP/up1.dump"
		"$NET" up "$t" >"$TMP/up2" 2>&1 || fail "the second up $t failed"
		dump >"$TMP/up2.dump"
		! grep '^\$ ' "$TMP/up2" ||
			fail "the second up $t ran the commands above"
		grep -q "^$t is up already: nothing changed" "$TMP/up2" ||
			fail "the second up $t did not say it changed nothing"
		same up1.dump up2.dump "the second up $t changed something"
		"$NET" down "$t" >"$TMP/down" 2>&1 || {
			cat "$TMP/down"
			fail "down $t failed"
		}
		dump >"$TMP/after"
		same before after "down $t did not undo up $t"
		"$NET" down "$t" | grep -q "^$t is down already" ||
			fail "a second down $t did not say there was nothing to do"
		echo "$t: $(grep -c '^\$ ' "$TMP/up1") commands; a second up" \
			"ran none; down undid them all"
	done
}

# up_killed_at TEXT: up nat killed (-9) once its output shows TEXT.
up_killed_at() {
	"$NET" up nat >"$TMP/up" 2>&1 &
	pid=$!
	until grep -q -- "$1" "$TMP/up"; do
		kill -0 "$pid" 2>/dev/null || break
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "killed after: $(grep '^\$ ' "$TMP/up" | tail -n 1)"
}

crash() {
	dump >"$TMP/before"
	for at in "ip link add kvm-nat type bridge" "ip netns add" \
		"sysctl -w" "MASQUERADE" "dnsmasq --conf"; do
		up_killed_at "$at"
		# What a crash leaves: dnsmasq perhaps, killed as hard.
		if [ "$at" = "dnsmasq --conf" ]; then
			sleep 0.5
			pkill -9 -F /run/kvmlab-net/nat/dnsmasq.pid 2>/dev/null
		fi
		"$NET" down nat >"$TMP/down" 2>&1 || {
			cat "$TMP/down"
			fail "down after a crash at '$at' failed"
		}
		dump >"$TMP/after"
		same before after "down after a crash at '$at' left"
	done
	# A crash, then up again: it finishes the job (dnsmasq restarted).
	up_killed_at "sysctl -w"
	"$NET" up nat >"$TMP/up" 2>&1 || fail "up after a crash failed"
	pgrep -a dnsmasq | grep -q kvmlab-net/nat ||
		fail "up after a crash started no dnsmasq"
	"$NET" down nat >/dev/null 2>&1
	dump >"$TMP/after"
	same before after "down after crash and up left"
	echo "killed at 5 points of up nat: down left the dumps as before"
}

dry_run() {
	dump >"$TMP/before"
	"$NET" -n up nat >"$TMP/dry" 2>&1 || fail "-n up nat failed"
	dump >"$TMP/after"
	same before after "-n up nat changed something"
	for cmd in "ip link add kvm-nat type bridge" \
		"iptables -w -t nat -A POSTROUTING -s 192.168.122.0/24" \
		"dnsmasq --conf-file=/dev/null --port=0"; do
		grep -qF -- "\$ $cmd" "$TMP/dry" || fail "-n up nat did not print: $cmd"
	done
	"$NET" up nat >/dev/null 2>&1 || fail "up nat failed"
	dump >"$TMP/up"
	"$NET" -n down nat >"$TMP/dry" 2>&1 || fail "-n down nat failed"
	dump >"$TMP/after"
	same up after "-n down nat changed something"
	grep -qF "\$ ip link del kvm-nat" "$TMP/dry" ||
		fail "-n down nat did not print ip link del kvm-nat"
	echo "-n printed $(grep -c '^\$ ' "$TMP/dry") commands for down and" \
		"changed nothing, nor for up"
}

# Outside (here): what the killed test could have left where it ran.
outside() {
	find /run/netns -name 'kvmlab-*' 2>/dev/null
	ip -o link show | awk -F': ' '{print $2}' | grep '^kvm-'
	find /run/kvmlab-net 2>/dev/null
	[ "$(id -u)" != 0 ] || iptables-save 2>/dev/null | grep '^-'
}

leftovers() {
	outside >"$TMP/before"
	# The victim: nat up with stand-ins, a stand-in pinging out, tcpdump
	# on the outside link; it says when all runs, and never ends.
	cat >"$TMP/victim" <<EOF
KVMLAB_NET_STANDINS=1 "$NET" up nat >"$TMP/victim.up" 2>&1 || exit 1
ip netns exec kvmlab-nat-g0 ip addr add 192.168.122.50/24 dev eth0
ip netns exec kvmlab-nat-g0 ip route add default via 192.168.122.1
ip netns exec kvmlab-nat-out tcpdump -n -i eth0 icmp >/dev/null 2>&1 &
ip netns exec kvmlab-nat-g0 ping -i 0.2 203.0.113.2 >/dev/null &
readlink /proc/self/ns/pid >"$TMP/victim.pidns"
readlink /proc/self/ns/net >"$TMP/victim.netns"
sleep 600
EOF
	"$HERE/netns.sh" bash "$TMP/victim" &
	victim=$!
	for _ in $(seq 300); do
		[ ! -s "$TMP/victim.netns" ] || break
		kill -0 "$victim" 2>/dev/null ||
			fail "the victim ended early: $(cat "$TMP/victim.up")"
		sleep 0.1
	done
	[ -s "$TMP/victim.netns" ] || fail "the victim did not start in 30 s"
	sleep 1
	pgrep -a dnsmasq | grep -q kvmlab-net/nat ||
		fail "the victim's dnsmasq is not running: nothing to check"
	kill -9 "$victim"
	wait "$victim" 2>/dev/null
	sleep 1
	outside >"$TMP/after"
	cmp -s "$TMP/before" "$TMP/after" ||
		fail "left outside: $(diff "$TMP/before" "$TMP/after" | head)"
	pidns=$(cat "$TMP/victim.pidns") netns=$(cat "$TMP/victim.netns")
	for p in /proc/[0-9]*; do
		ns=$(readlink "$p/ns/pid" 2>/dev/null) || continue
		[ "$ns" != "$pidns" ] ||
			fail "process ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline")) outlived the test's pid namespace"
		[ "$(readlink "$p/ns/net" 2>/dev/null)" != "$netns" ] ||
			fail "process ${p#/proc/} is still in the test's network namespace"
	done
	! pgrep -a dnsmasq | grep kvmlab-net/nat ||
		fail "a dnsmasq of kvmlab-net outlived the test"
	! pgrep -af "tcpdump -n -i eth0 icmp" ||
		fail "the test's tcpdump outlived it"
	echo "SIGKILL half-way: no namespace, link, rule, lease file or process left"
}

no_8021q() {
	dump >"$TMP/before"
	"$NET" up vlan >"$TMP/up" 2>&1
	st=$?
	dump >"$TMP/after"
	cat "$TMP/up"
	if [ "$st" = 0 ]; then
		echo "this kernel has 802.1Q: the message for its absence cannot be reached here"
		exit 77
	fi
	[ "$st" = 77 ] || fail "up vlan without 802.1Q ended $st, not 77"
	grep -q "^kvmlab-net: no 802.1Q in this kernel" "$TMP/up" ||
		fail "up vlan did not say 'no 802.1Q in this kernel'"
	same before after "up vlan without 802.1Q made something"
	echo "no 802.1Q: up vlan says so, ends 77 and makes nothing"
}

case $CASE in
idempotent | crash | dry-run | leftovers | no-8021q) "${CASE//-/_}" ;;
idempotent-vlan) ONLY=vlan idempotent ;;
*) fail "usage: tooling.sh idempotent|idempotent-vlan|crash|dry-run|leftovers|no-8021q" ;;
esac
