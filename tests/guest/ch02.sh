#!/bin/sh
# Chapter 2: the guest switches itself from real to protected mode; with
# --direct the VMM does it.  Both print from 32-bit C and exit with 0
# through the debug-exit port.
. "$(dirname "$0")/lib.sh"
need_kvm

run_vmm "$BUILD/ch02" --trace "$TRACE"
expect_status 0
expect_out_has "Hello from 32-bit protected mode!"
expect_out_has "the guest switched itself from real mode"
# Before: real mode.  After: 32-bit protected mode, CS = 0x08.
sed -n '/at the first instruction/,/when the guest stopped/p' "$OUT" |
	grep -q "real mode" || fail "the first dump does not show real mode"
sed -n '/when the guest stopped/,$p' "$OUT" |
	grep -q "protected mode, 32-bit code" || fail "the last dump is not 32-bit"
sed -n '/when the guest stopped/,$p' "$OUT" | grep -Eq 'cs +sel 0x0008' ||
	fail "CS is not selector 0x08 at the end"
# The verdict travels through the debug-exit port (0xf4 = 244), last.
tail -n 1 "$TRACE" | grep -q '"port":244' || fail "last exit is not debug-exit"
expect_trace_count '"reason":"HLT"' 0

run_vmm "$BUILD/ch02" --direct --trace "$TRACE"
expect_status 0
expect_out_has "Hello from 32-bit protected mode!"
expect_out_has "the VMM set protected mode with KVM_SET_SREGS"
sed -n '/as the VMM set them/,/when the guest stopped/p' "$OUT" |
	grep -Eq 'cs +sel 0x0008' || fail "--direct did not start with CS = 0x08"
echo "ok: both ways into protected mode"
