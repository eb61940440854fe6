#!/bin/sh
# Chapter 3: long mode with page tables built by the VMM (default) or by the
# guest (--guest-paging); a page fault handled by the guest; KVM_TRANSLATE
# and the VMM's own walk agree on the mapping the handler made.
. "$(dirname "$0")/lib.sh"
need_kvm

check_run() {  # $1 = who built the tables
	expect_status 0
	expect_out_has "Hello from 64-bit long mode!"
	expect_out_has "page tables built by: $1"
	expect_out_has "page fault at 0x40000000"
	expect_out_has "page faults handled: 1"
	expect_out_has "both agree: mapped"
	kvm=$(sed -n 's/^KVM_TRANSLATE: 0x40000000 -> physical \(0x[0-9a-f]*\)$/\1/p' "$OUT")
	walk=$(sed -n 's/.*-> physical \(0x[0-9a-f]*\) .*/\1/p' "$OUT" | tail -n 1)
	mapped=$(sed -n 's/.*mapped to physical \(0x[0-9a-f]*\).*/\1/p' "$OUT")
	[ -n "$kvm" ] && [ "$kvm" = "$walk" ] ||
		fail "KVM_TRANSLATE says '$kvm', the walk says '$walk'"
	[ "$kvm" = "$mapped" ] ||
		fail "the guest mapped '$mapped', the VMM found '$kvm'"
	[ "$kvm" != 0x40000000 ] || fail "expected a non-identity mapping"
}

run_vmm "$BUILD/ch03" --trace "$TRACE"
check_run "the VMM"
tail -n 1 "$TRACE" | grep -q '"port":244' || fail "last exit is not debug-exit"

run_vmm "$BUILD/ch03" --guest-paging
check_run "the guest"

# 32-bit paging works on VT-x and AMD-V (so in the emulated machine too).
# Only kvm-pvm pages in long mode alone: there 77 is right, and only with
# the signature of that limit, a shutdown at the instruction that sets
# CR0.PG.  A triple fault anywhere else is a bug, never "unsupported".
run_vmm "$BUILD/ch03" --paging32
case $STATUS in
0)
	expect_out_has "32-bit paging: setting CR0.PG"
	expect_out_has "32-bit paging: on"
	;;
77)
	[ -e /sys/module/kvm_pvm ] ||
		fail "--paging32 said unsupported, but this KVM is not kvm-pvm"
	expect_out_has "32-bit paging: setting CR0.PG"
	expect_err_has "32-bit paging is not supported by this KVM"
	expect_err_has "at the instruction that sets CR0.PG"
	;;
*) fail "--paging32 ended with status $STATUS" ;;
esac
echo "ok: long mode, page fault, translations agree"
