#!/bin/sh
# Graded tests of ch04-uart-driver, the guest's polled 8250 driver
# (guest/drivers/uart8250.c).  The grading VMM build/exercises/slowuart
# runs the grading guest drivertest.elf against a UART that is slow on
# purpose and counts every rule the driver breaks (see slowuart.c); it
# uses no VMM exercise, so these grade the driver alone.
#   usage: grade.sh putc|write|burst|getc|poll
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

PATTERN=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/

# slow TEST [ARGS...]: run the guest's TEST under slowuart.
slow() {
	t=$1
	shift
	run_vmm "$BUILD/exercises/slowuart" --trace "$TRACE" "$@" \
		"$GB/exercises/drivertest.elf" "$t"
	expect_status 0
	grep -q '^slowuart: ' "$ERR" || fail "slowuart printed no counts"
}

# count WHAT: a number from slowuart's line, such as "while THR was busy".
count() {
	sed -n "s/^slowuart: .*[ (]\([0-9][0-9]*\) $1.*/\1/p" "$ERR"
}

expect_count() { # WHAT N MEANING
	n=$(count "$1")
	[ "$n" = "$2" ] || fail "$n $1, expected $2: $3"
}

case ${1:-} in
putc)
	slow 1
	expect_out "putc: one byte at a time
"
	expect_count "while THR was busy" 0 \
		"a byte went to THR before LSR said THRE"
	# One OUT per byte, and the guest ended at the debug-exit port.
	expect_trace_count '"dir":"out","port":1016,' 25
	tail -n 1 "$TRACE" | grep -q '"port":244' ||
		fail "the last exit is not the debug-exit port"
	;;
write | burst)
	if [ "$1" = write ]; then slow 2; else slow 3; fi
	expect_out "$PATTERN
$PATTERN
"
	expect_count "while THR was busy" 0 \
		"more bytes went to THR than THRE allowed"
	thre=$(count "with THRE")
	if [ "$1" = write ]; then
		[ "$thre" -ge 130 ] ||
			fail "130 bytes with burst off after $thre THRE reads: one byte per THRE"
	else
		[ "$thre" -le 9 ] ||
			fail "130 bytes with burst on took $thre THRE reads; 16 bytes per THRE need 9"
	fi
	;;
getc)
	slow 4 --input "hello, uart
"
	expect_out "hello, uart
[the line hung up]
"
	expect_count "with no data ready" 0 "RBR was read while LSR.DR was clear"
	expect_count "RBR reads" 12 "one RBR read per byte received"
	;;
poll)
	slow 5 --input x
	expect_out "poll: -1, then 'x'
"
	expect_count "with no data ready" 0 "RBR was read while LSR.DR was clear"
	;;
*)
	echo "usage: $0 putc|write|burst|getc|poll"
	exit 2
	;;
esac
echo "ok: $1"
