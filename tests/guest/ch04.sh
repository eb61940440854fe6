#!/bin/sh
# Chapter 4: the monitor drives the emulated 8250 like a real driver.  Its
# input comes from a pipe, a file or a terminal; its answers and exit
# status are checked, and so is the terminal it leaves behind.
#   usage: ch04.sh pipe | file | hang-up | burst | pty | signal
. "$(dirname "$0")/lib.sh"
need_kvm

# run_in INPUT CMD...: like run_vmm, with stdin from INPUT.
run_in() {
	in=$1
	shift
	echo "\$ $* <$in" >&2
	"$@" <"$in" >"$OUT" 2>"$ERR"
	STATUS=$?
	note_guest_stub
	[ "$STATUS" -lt 128 ] || fail "$1 was killed by signal $((STATUS - 128))"
	grep -q 'Sanitizer' "$ERR" && fail "the sanitizer reported an error"
	return 0
}

# expect_line TEXT: the console has exactly this line.
expect_line() {
	grep -qxF -- "$1" "$OUT" || fail "no console line: $1"
}

# wait_for TEXT FILE: until FILE holds TEXT (the runner's timeout bounds it).
# A VMM that ended under script(1) left its status in $TMP/status: a
# guest's stub (78) is noted, and stub_check stops the wait at once.
wait_for() {
	n=0
	until grep -qF -- "$1" "$2" 2>/dev/null; do
		if [ -s "$TMP/status" ]; then
			STATUS=$(sed -n 's/^status=//p' "$TMP/status")
			note_guest_stub
		fi
		stub_check
		n=$((n + 1))
		[ $n -lt 600 ] || fail "never saw '$1'"
		sleep 0.05
	done
}

case ${1:-} in
pipe)
	printf '%s\n' 'echo hello,   world' 'outb 0x3ff 0x42' 'inb 0x3ff' \
		'inb 0x3fd' 'inb 0x80' 'poke 0x1ff000 0xdeadbeef' \
		'peek 0x1ff000' 'peek 0x40000000' 'baud 9600' 'regs' 'frob' \
		'outb 0x3f8' 'exit 7' 'echo never' |
		"$BUILD/ch04" --timeout 30 --stats >"$OUT" 2>"$ERR"
	STATUS=$?
	note_guest_stub
	expect_status 7
	expect_line "kvmlab monitor on the 8250 at port 0x3f8, 115200 baud 8N1 (type help)"
	# The guest echoes each command after its prompt, as a console does.
	expect_line "> echo hello,   world"
	expect_line "hello, world"
	# SCR keeps what was written; LSR shows THRE and TEMT (and maybe DR).
	expect_line "0x42"
	grep -qxE '0x6[01]' "$OUT" || fail "LSR did not read 0x60 or 0x61"
	# Nothing at port 0x80: all ones, and the VMM says so.
	expect_line "0xff"
	expect_err_has "unclaimed 1-byte read at 0x80"
	expect_line "0xdeadbeef"
	expect_line "0x40000000: not mapped (or not 4-byte aligned)"
	# The divisor latch: 115200 / 9600 = 12.  Output still works after,
	# so DLAB was cleared again.
	expect_line "divisor 12: 9600 baud"
	# FIFOs on (IIR 0xc1), 8N1, DTR and RTS; DR may be set: more input.
	grep -qxE 'IER=0x00 IIR=0xc1 LCR=0x03 MCR=0x03 LSR=0x6[01] MSR=0x[0-9a-f]{2} SCR=0x42' "$OUT" ||
		fail "the registers are not as the driver set them"
	expect_line "unknown command: frob (try help)"
	expect_line "usage: outb PORT VALUE"
	grep -q never "$OUT" && fail "the monitor read past 'exit 7'"
	# The model counted every byte that reached stdout.
	bytes=$(wc -c <"$OUT")
	grep -q "^serial 0x3f8: $bytes bytes out, " "$ERR" ||
		fail "the UART did not count $bytes bytes out"
	grep -q "^pio bus: debug-exit 1, serial8250 [0-9]*; unclaimed 1$" "$ERR" ||
		fail "--stats lacks the bus line"
	;;
file)
	# A regular file works too; Enter may be CR LF.
	printf 'echo from a file\r\nexit 3\r\n' >"$TMP/input"
	run_in "$TMP/input" "$BUILD/ch04" --timeout 30
	expect_status 3
	expect_line "from a file"
	[ "$(grep -c '^> ' "$OUT")" -eq 2 ] || fail "CR LF gave extra prompts"
	;;
hang-up)
	# End of input is a hang-up (DCD drops): the session ends with 0.
	printf 'echo bye\n' >"$TMP/input"
	run_in "$TMP/input" "$BUILD/ch04" --timeout 30
	expect_status 0
	expect_line "bye"
	expect_out_has "the line hung up: end of input"
	# So does Ctrl-D on an empty line, and an empty input.
	printf '\004echo unreached\n' >"$TMP/input"
	run_in "$TMP/input" "$BUILD/ch04" --timeout 30
	expect_status 0
	grep -q unreached "$OUT" && fail "Ctrl-D did not end the session"
	run_vmm "$BUILD/ch04" --timeout 30
	expect_status 0
	expect_out_has "the line hung up"
	;;
burst)
	# Exits per byte: one LSR poll per byte, or one per 16 with the FIFO.
	for mode in off on; do
		printf 'burst %s\nbytes 6400\nexit\n' $mode >"$TMP/input"
		run_in "$TMP/input" "$BUILD/ch04" --timeout 60 --stats
		expect_status 0
		lsr=$(sed -n 's/^  IO in   0x3fd  *\([0-9]*\) .*/\1/p' "$ERR")
		thr=$(sed -n 's/^  IO out  0x3f8  *\([0-9]*\) .*/\1/p' "$ERR")
		[ -n "$lsr" ] && [ -n "$thr" ] || fail "--stats lacks 0x3fd or 0x3f8"
		[ "$thr" -gt 6500 ] || fail "only $thr THR writes for 6500 bytes"
		if [ $mode = off ]; then
			[ "$lsr" -ge 6400 ] ||
				fail "burst off: $lsr LSR polls for $thr bytes"
		else
			[ $((lsr * 8)) -lt "$thr" ] ||
				fail "burst on: $lsr LSR polls for $thr bytes"
		fi
		echo "burst $mode: $thr THR writes, $lsr LSR reads"
	done
	;;
pty | signal)
	# On a terminal: raw while the guest runs, restored after, also when
	# the VMM is killed.  script(1) gives the session a pseudo-terminal.
	command -v script >/dev/null || skip "needs script(1) from util-linux"
	mkfifo "$TMP/keys"
	cat >"$TMP/session" <<EOF
tty >"$TMP/tty"
stty -g >"$TMP/before"
sh -c 'echo \$\$ >"$TMP/pid"; exec "$BUILD/ch04" --timeout 60'
echo "status=\$?" >"$TMP/status"
stty -g >"$TMP/after"
EOF
	script -qec "sh $TMP/session" /dev/null <"$TMP/keys" >"$OUT" 2>&1 &
	exec 3>"$TMP/keys"
	wait_for "(type help)" "$OUT"
	wait_for "> " "$OUT"
	stty -a -F "$(cat "$TMP/tty")" >"$TMP/during" ||
		fail "cannot read the terminal's settings"
	grep -q -- '-icanon' "$TMP/during" || fail "the terminal is not raw"
	grep -q -- ' -echo ' "$TMP/during" || fail "the terminal still echoes"
	grep -q -- ' -icrnl' "$TMP/during" || fail "CR still becomes LF"
	if [ "$1" = pty ]; then
		# Enter sends CR; only the guest echoes (so the text once).
		printf 'echo typed\r' >&3
		wait_for "typed" "$OUT"
		printf 'exit 5\r' >&3
		expect=5
	else
		kill -TERM "$(cat "$TMP/pid")"
		expect=143
	fi
	exec 3>&-
	wait || true
	[ -f "$TMP/status" ] || fail "the session did not finish"
	grep -qx "status=$expect" "$TMP/status" ||
		fail "ch04 ended with $(cat "$TMP/status"), expected $expect"
	cmp -s "$TMP/before" "$TMP/after" ||
		fail "the terminal was not restored: $(cat "$TMP/after")"
	if [ "$1" = pty ]; then
		[ "$(grep -c 'echo typed' "$OUT")" -eq 1 ] ||
			fail "the terminal echoed the input itself"
		grep -q "^typed" "$OUT" || fail "the guest did not answer"
	fi
	;;
*)
	echo "usage: $0 pipe|file|hang-up|burst|pty|signal"
	exit 2
	;;
esac
echo "ok: $1"
