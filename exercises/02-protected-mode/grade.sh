#!/bin/sh
# Graded tests of ch02-guest-switch: the guest's own way from real mode to
# protected mode (guest/boot/realmode.S).  build/ch02 without --direct
# uses no VMM exercise (boot_real only), so these grade the guest alone.
#   usage: grade.sh CASE
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

run_vmm "$BUILD/ch02" --trace "$TRACE"
# What the VMM printed once the guest stopped.
after() {
	sed -n '/when the guest stopped/,$p' "$OUT"
}

case ${1:-} in
status)
	expect_out_has "Hello from 32-bit protected mode!"
	expect_status 0
	;;
self)
	expect_out_has "entered: the guest switched itself from real mode"
	;;
segments)
	after | grep -q "protected mode, 32-bit code" ||
		fail "the CPU did not end in 32-bit protected mode"
	after | grep -Eq 'cs +sel 0x0008' || fail "CS is not selector 0x08"
	after | grep -Eq 'ds +sel 0x0010' || fail "DS is not selector 0x10"
	;;
gdtr)
	expect_out_has "PE=1 (protected mode on)"
	grep -Eq 'GDTR: base 0x[0-9a-f]+ limit 0x001f \(4 descriptors\)' \
		"$OUT" || fail "GDTR does not hold the guest's 4-entry GDT"
	tail -n 1 "$TRACE" | grep -q '"port":244' ||
		fail "the last exit is not the debug-exit port"
	expect_trace_count '"reason":"HLT"' 0
	;;
*)
	echo "usage: $0 status|self|segments|gdtr"
	exit 2
	;;
esac
echo "ok: $1"
