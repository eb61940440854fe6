#!/bin/bash
# Chapter 8: the guest's virtio-net NIC on a TAP, tested from a network
# namespace each test makes for itself.  The namespace is anonymous
# (`unshare -n` as root, `unshare -Urn` otherwise): it vanishes with its
# last process, so nothing needs deleting; each test proves it, and that
# no VMM outlived it.  Inside: tap0 at 10.0.2.1/24, up, and build/ch08
# wired to it, its guest at 10.0.2.15 (the default --cmdline).
#   usage: ch08.sh ping | guest-ping | udp | pcap | bad-tap | halt | modes
. "$(dirname "$0")/lib.sh"

GUEST_IP=10.0.2.15
HOST_IP=10.0.2.1
UDPECHO=$BUILD/tests/udpecho
VMM=

# ---- Outside: make the namespace, run this script in it, check after ---

if [ -z "${KVMLAB_IN_NETNS:-}" ]; then
	need_kvm
	[ -c /dev/net/tun ] ||
		skip "no /dev/net/tun: this kernel has no TUN/TAP driver (modprobe tun)"
	if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -Urn"; fi
	$ns true 2>"$TMP/unshare" ||
		skip "cannot make a network namespace with '$ns': $(head -n 1 "$TMP/unshare")"
	[ -x "$UDPECHO" ] || fail "$UDPECHO is not built"
	ip -o link show | cut -d: -f2 | sort >"$TMP/links.before"
	# The test in its namespace; a TERM (the runner's timeout) is passed
	# on, so that it stops its VMM.
	KVMLAB_IN_NETNS=1 KVMLAB_OUTER=$TMP $ns bash "$0" "$@" &
	inner=$!
	trap 'kill "$inner" 2>/dev/null; wait "$inner"; exit 1' INT TERM HUP
	wait "$inner"
	st=$?
	# Nothing left behind: no VMM, no link in this namespace.
	for pid in $(cat "$TMP"/vmm.* 2>/dev/null); do
		! kill -0 "$pid" 2>/dev/null ||
			fail "a VMM (process $pid) outlived the test"
	done
	ip -o link show | cut -d: -f2 | sort >"$TMP/links.after"
	cmp -s "$TMP/links.before" "$TMP/links.after" ||
		fail "links changed outside the namespace: $(diff "$TMP/links.before" "$TMP/links.after" | tail -n +2)"
	exit "$st"
fi

# ---- Inside the namespace ----------------------------------------------

# Kill the VMM on any failure (fail and skip exit through here).
trap 'stop_vmm; rm -rf "$TMP"' EXIT

stop_vmm() {
	[ -n "$VMM" ] || return 0
	kill "$VMM" 2>/dev/null
	wait "$VMM" 2>/dev/null
	VMM=
}

setup_tap() {
	ip link set lo up
	# No IPv6 on the TAP: its router solicitations would only crowd the
	# pcap and the counts.
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6 2>/dev/null
	ip tuntap add tap0 mode tap || fail "ip tuntap add tap0 failed"
	ip addr add "$HOST_IP/24" dev tap0
	ip link set tap0 up
}

# start_vmm ARGS...: build/ch08 on tap0 in the background; wait for the
# guest's "link up" line.
start_vmm() {
	echo "\$ $BUILD/ch08 --tap tap0 $*" >&2
	"$BUILD/ch08" --tap tap0 --timeout 300 --stats "$@" \
		</dev/null >"$OUT" 2>"$ERR" &
	VMM=$!
	echo "$VMM" >"$KVMLAB_OUTER/vmm.$VMM"
	wait_out "net: $GUEST_IP/24 gw $HOST_IP, link up" 90
}

# wait_out TEXT SECONDS: until the console shows TEXT, or fail.
wait_out() {
	end=$(($(date +%s) + $2))
	until grep -qF -- "$1" "$OUT"; do
		stub_check
		kill -0 "$VMM" 2>/dev/null || {
			wait "$VMM"
			STATUS=$?
			VMM=
			fail "the VMM ended (status $STATUS) before: $1"
		}
		[ "$(date +%s)" -lt "$end" ] || fail "no '$1' in $2 s"
		sleep 0.2
	done
}

# halt_vmm: the UDP "halt" to port 9; the guest prints its statistics
# and exits 0.
halt_vmm() {
	"$UDPECHO" -m halt "$GUEST_IP" 9 || fail "cannot send the halt datagram"
	end=$(($(date +%s) + 60))
	while kill -0 "$VMM" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || fail "the guest did not halt"
		sleep 0.2
	done
	wait "$VMM"
	STATUS=$?
	VMM=
	note_guest_stub
	grep -q 'Sanitizer' "$ERR" && fail "the sanitizer reported an error"
	expect_status 0
	expect_out_has "net: rx "
	expect_err_has "guest stopped: status 0"
}

# ping_guest SIZE COUNT: from tap0's side, no loss.
ping_guest() {
	ping -c "$2" -i 0.2 -W 5 -s "$1" "$GUEST_IP" >"$TMP/ping" 2>&1 ||
		{ cat "$TMP/ping"; fail "ping -s $1: $(tail -n 2 "$TMP/ping" | head -n 1)"; }
	grep -q " 0% packet loss" "$TMP/ping" ||
		fail "ping -s $1: $(grep 'packet loss' "$TMP/ping")"
	echo "ping -s $1: $(grep 'packet loss' "$TMP/ping")"
}

expect_bad_tap() { # STATUS TEXT ARGS...
	local want=$1 text=$2 OUT=$TMP/bad.out ERR=$TMP/bad.err
	shift 2
	"$BUILD/ch08" --timeout 30 "$@" </dev/null >"$OUT" 2>"$ERR" &
	bad=$!
	echo "$bad" >"$KVMLAB_OUTER/vmm.$bad"
	wait "$bad"
	STATUS=$?
	expect_status "$want"
	expect_err_has "$text"
	expect_err_has "fix: "
	echo "ok: $* -> $(grep -m 1 'error' "$ERR")"
}

setup_tap
case ${1:-} in
ping)
	start_vmm
	for size in 0 56 1000 1472; do
		ping_guest "$size" 20
	done
	halt_vmm
	# Every ping's request and reply crossed the NIC.
	grep -qE '^virtio-net: rx [0-9]+ frames' "$ERR" || fail "no --stats line"
	;;
guest-ping)
	# The guest pings tap0's side four times, then halts by itself.
	start_vmm --cmdline "ip=$GUEST_IP/24 gw=$HOST_IP ping=$HOST_IP count=4 once"
	end=$(($(date +%s) + 90))
	while kill -0 "$VMM" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || fail "the guest did not finish"
		sleep 0.2
	done
	wait "$VMM"
	STATUS=$?
	VMM=
	expect_status 0
	expect_out_has "ping $HOST_IP: seq=1 ttl=64"
	expect_out_has "ping $HOST_IP: 4 sent, 4 received"
	grep -F "ping $HOST_IP: 4 sent" "$OUT"
	;;
udp)
	start_vmm
	"$UDPECHO" -n 200 -w 4 -s 100 "$GUEST_IP" 7 || fail "UDP echo lost datagrams"
	"$UDPECHO" -n 20 -s 1472 "$GUEST_IP" 7 || fail "UDP echo of 1472 bytes failed"
	halt_vmm
	expect_out_has "udp 220 datagrams echoed"
	;;
pcap)
	start_vmm --pcap "$TMP/net.pcap"
	ping_guest 56 3
	halt_vmm
	tcpdump -nr "$TMP/net.pcap" >"$TMP/dump" 2>"$TMP/dump.err" ||
		fail "tcpdump cannot read the file: $(cat "$TMP/dump.err")"
	head -n 8 "$TMP/dump"
	grep -q "ARP, Request who-has $GUEST_IP tell $HOST_IP" "$TMP/dump" ||
		fail "no ARP request in the pcap"
	grep -q "ARP, Reply $GUEST_IP is-at 52:54:00:12:34:56" "$TMP/dump" ||
		fail "no ARP reply in the pcap"
	req=$(grep -c "IP $HOST_IP > $GUEST_IP: ICMP echo request" "$TMP/dump")
	rep=$(grep -c "IP $GUEST_IP > $HOST_IP: ICMP echo reply" "$TMP/dump")
	[ "$req" -eq 3 ] && [ "$rep" -eq 3 ] ||
		fail "pcap: $req echo requests and $rep replies, not 3 and 3"
	grep -q "^pcap $TMP/net.pcap: [0-9]* frames" "$ERR" ||
		fail "--stats: no pcap line"
	;;
bad-tap)
	# No --tap at all; no such device; down; not a TAP (lo, a TUN);
	# busy (another VMM has it); no privileges (a user namespace of
	# its own has no CAP_NET_ADMIN over this network namespace).
	expect_bad_tap 64 "--tap NAME is required"
	expect_bad_tap 71 "TAP nosuch0: no such interface" --tap nosuch0
	ip tuntap add down0 mode tap
	expect_bad_tap 71 "TAP down0: the link is down" --tap down0
	grep -qF 'fix: `sudo ip link set down0 up`' "$TMP/bad.err" ||
		fail "a TAP that is down: not the fix"
	expect_bad_tap 71 "TAP lo: cannot attach to it: Invalid argument" --tap lo
	ip tuntap add tun0 mode tun
	ip link set tun0 up
	expect_bad_tap 71 "TAP tun0: cannot attach to it" --tap tun0
	start_vmm
	expect_bad_tap 71 "TAP tap0: cannot attach to it: Device or resource busy" --tap tap0
	grep -qF "held by: process $VMM (ch08)" "$TMP/bad.err" ||
		fail "EBUSY: the holder, process $VMM, is not named"
	halt_vmm
	# Without CAP_NET_ADMIN: a user namespace of its own has none over
	# this network namespace; where none can be made (a chroot, as in
	# the emulated machine), root without it in its bounding set.
	if unshare -U true 2>/dev/null; then
		drop="unshare -U"
	elif setpriv --bounding-set=-net_admin true 2>/dev/null; then
		drop="setpriv --bounding-set=-net_admin"
	else
		drop=
	fi
	if [ -n "$drop" ]; then
		echo "\$ $drop $BUILD/ch08 --tap new0 --create-tap" >&2
		$drop "$BUILD/ch08" --tap new0 --create-tap \
			</dev/null >"$OUT" 2>"$ERR"
		STATUS=$?
		expect_status 71
		expect_err_has "TAP new0: cannot create it: Operation not permitted"
		expect_err_has "needs CAP_NET_ADMIN"
		echo "ok: no CAP_NET_ADMIN -> $(grep -m 1 error "$ERR")"
	else
		echo "skipped: no privileges (neither unshare -U nor setpriv can drop CAP_NET_ADMIN here)"
	fi
	;;
halt)
	start_vmm
	"$UDPECHO" -n 3 "$GUEST_IP" 7 || fail "UDP echo failed"
	halt_vmm
	grep -E '^net: rx [0-9]+ frames, tx [0-9]+ frames; arp [0-9]+ requests answered; icmp [0-9]+ echoes answered; udp 3 datagrams echoed$' "$OUT" ||
		fail "no statistics line"
	;;
modes)
	# The same traffic without EVENT_IDX, without the I/O thread, and
	# without both: slower, still right.
	for mode in --no-event-idx --no-iothread "--no-event-idx --no-iothread"; do
		# shellcheck disable=SC2086
		start_vmm $mode
		ping_guest 1000 5
		"$UDPECHO" -n 100 -w 4 "$GUEST_IP" 7 || fail "$mode: UDP echo lost datagrams"
		halt_vmm
		case $mode in
		*iothread*) expect_err_has "frame signals (SIGIO)" ;;
		esac
		case $mode in
		*event-idx*) grep "features" "$OUT" | grep -q EVENT_IDX &&
			fail "$mode: EVENT_IDX negotiated" ;;
		esac
		echo "ok: $mode"
	done
	;;
*)
	echo "usage: $0 ping|guest-ping|udp|pcap|bad-tap|halt|modes"
	exit 2
	;;
esac
echo "ok: $1"
