#!/bin/sh
# Chapter 6: the monitor on interrupts.  KVM's PICs and PIT work in the
# kernel (their ports never reach the VMM), the 8250 interrupts through
# KVM_IRQ_LINE or an irqfd, and waiting for input costs no exits.
#   usage: ch06.sh irqfd | line | wait | hang-up | output | halt
. "$(dirname "$0")/lib.sh"
need_kvm

# run_in INPUT CMD...: like run_vmm, with stdin from INPUT.
run_in() {
	in=$1
	shift
	echo "\$ $* <$in" >&2
	in_kvm "$@" <"$in" >"$OUT" 2>"$ERR"
	STATUS=$?
	note_guest_stub
	[ "$STATUS" -lt 128 ] || fail "$1 was killed by signal $((STATUS - 128))"
	grep -q 'Sanitizer' "$ERR" && fail "the sanitizer reported an error"
	return 0
}

expect_line() {
	grep -qxF -- "$1" "$OUT" || fail "no console line: $1"
}

# exits_of: N of the VMM's "guest stopped: status S after N exits".
exits_of() {
	sed -n 's/.*guest stopped: status [0-9]* after \([0-9]*\) exits.*/\1/p' "$ERR"
}

# The in-kernel devices' ports: PICs, ELCR, PIT.  None may reach the VMM.
no_kernel_ports() {
	for port in 32 33 160 161 1232 1233 64 67; do
		n=$(trace_count "\"port\":$port,")
		[ "$n" -eq 0 ] || fail "$n exits at port $port: KVM's own device"
	done
	n=$(trace_count '"reason":"HLT"')
	[ "$n" -eq 0 ] || fail "$n HLT exits with an in-kernel irqchip"
}

case ${1:-} in
irqfd | line)
	printf '%s\n' 'echo hello,   world' 'sleep 20' 'uptime' 'pic' 'irqs' \
		'frob' 'exit 7' 'echo never' >"$TMP/input"
	run_in "$TMP/input" "$BUILD/ch06" --irq "$1" --timeout 30 --stats \
		--trace "$TRACE"
	expect_status 7
	expect_line "kvmlab monitor, interrupt-driven: timer at 100.006 Hz on IRQ 0, the 8250 at port 0x3f8 on IRQ 4 (type help)"
	expect_line "> echo hello,   world"
	expect_line "hello, world"
	# The timer ticked: 20 ticks slept, and uptime counts at least those.
	expect_line "slept 20 ticks"
	t=$(sed -n 's/^up [0-9.]* s (\([0-9]*\) ticks of the 100 Hz timer)$/\1/p' "$OUT")
	[ -n "$t" ] && [ "$t" -ge 20 ] || fail "uptime shows ${t:-no} ticks"
	# IRQ 0, 2 (the cascade) and 4 unmasked; nothing in service at a
	# prompt (the handlers sent their EOIs).
	grep -qE '^PIC IRR=0x[0-9a-f]{4} ISR=0x0000 IMR=0xffea ' "$OUT" ||
		fail "the PICs are not as the guest programmed them"
	grep -qE '^COM1 \(IRQ 4\): [1-9][0-9]*: receive [1-9]' "$OUT" ||
		fail "no receive interrupt was counted"
	expect_line "unknown command: frob (try help)"
	grep -q never "$OUT" && fail "the monitor read past 'exit 7'"
	no_kernel_ports
	# The line's wiring, and that it was raised.
	if [ "$1" = irqfd ]; then how="irqfd+resample"; else how="KVM_IRQ_LINE"; fi
	grep -F "line 4 ($how): raised " "$ERR" |
		grep -qE '^line 4 .*: raised [1-9][0-9]* times' ||
		fail "--stats: line 4 was not raised through $how"
	bytes=$(wc -c <"$OUT")
	grep -q "^serial 0x3f8: $bytes bytes out, " "$ERR" ||
		fail "the UART did not count $bytes bytes out"
	;;
wait)
	# The same session with its input at once, and 2 s late: the wait
	# itself may cost next to nothing (chapter 4's polling costs
	# thousands of exits a second here).
	printf 'echo hi\nexit 3\n' >"$TMP/input"
	run_in "$TMP/input" "$BUILD/ch06" --timeout 30
	expect_status 3
	now=$(exits_of)
	echo "\$ (sleep 2; cat input) | ch06" >&2
	(sleep 2; cat "$TMP/input") | in_kvm "$BUILD/ch06" --timeout 30 \
		>"$OUT" 2>"$ERR"
	STATUS=$?
	note_guest_stub
	expect_status 3
	expect_line "hi"
	late=$(exits_of)
	[ -n "$now" ] && [ -n "$late" ] || fail "no exit count in the messages"
	echo "input at once: $now exits; 2 s late: $late exits"
	[ $((late - now)) -lt 40 ] ||
		fail "waiting 2 s for input cost $((late - now)) exits"
	;;
hang-up)
	run_vmm "$BUILD/ch06" --timeout 30
	expect_status 0
	expect_out_has "the line hung up: end of input"
	;;
output)
	# Exits per byte out: with the FIFO, 16 bytes per THR-empty
	# interrupt (one IIR read each); without, one byte per interrupt.
	for fifo in off on; do
		printf 'fifo %s\nbytes 6400\nexit\n' $fifo >"$TMP/input"
		run_in "$TMP/input" "$BUILD/ch06" --timeout 60 --stats
		expect_status 0
		iir=$(sed -n 's/^  IO in   0x3fa  *\([0-9]*\) .*/\1/p' "$ERR")
		thr=$(sed -n 's/^  IO out  0x3f8  *\([0-9]*\) .*/\1/p' "$ERR")
		lsr=$(sed -n 's/^  IO in   0x3fd  *\([0-9]*\) .*/\1/p' "$ERR")
		[ -n "$iir" ] && [ -n "$thr" ] || fail "--stats lacks 0x3fa or 0x3f8"
		[ "$thr" -gt 6500 ] || fail "only $thr THR writes for 6500 bytes"
		# The driver never polls LSR to send; it reads it only for
		# received bytes (a few lines of commands).
		[ "${lsr:-0}" -lt 100 ] || fail "$lsr LSR reads: the driver polls"
		if [ $fifo = off ]; then
			[ "$iir" -ge 6400 ] || fail "fifo off: $iir IIR reads for $thr bytes"
		else
			[ $((iir * 8)) -lt "$thr" ] ||
				fail "fifo on: $iir IIR reads for $thr bytes"
		fi
		echo "fifo $fifo: $thr THR writes, $iir IIR reads, ${lsr:-0} LSR reads"
	done
	;;
halt)
	# HLT with IF=0: chapter 5 (no irqchip) ends at the HLT exit;
	# chapter 6 sleeps in the kernel until --timeout, and says why.
	run_vmm "$BUILD/ch05" --guest "$GB/tests/clihlt64.elf" --timeout 30 \
		--trace "$TRACE"
	expect_status 0
	expect_out "halting
"
	[ "$(trace_last_reason)" = HLT ] || fail "ch05: the last exit is not HLT"
	run_vmm "$BUILD/ch06" --guest "$GB/tests/clihlt64.elf" --timeout 2 \
		--trace "$TRACE"
	expect_status 124
	expect_out "halting
"
	expect_err_has "it halted with interrupts off (RFLAGS.IF=0)"
	[ "$(trace_count '"reason":"HLT"')" -eq 0 ] || fail "ch06 saw a HLT exit"
	;;
*)
	echo "usage: $0 irqfd|line|wait|hang-up|output|halt"
	exit 2
	;;
esac
echo "ok: $1"
