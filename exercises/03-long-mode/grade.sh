#!/bin/sh
# Graded tests of chapter 3's guest exercises, run under the grading
# harness build/exercises/boot64, which enters long mode without any VMM
# exercise (see boot64.c):
#   enter-*   ch03-enter-long-mode: the guest's switch in longmode.S
#             (boot64 --start32; only what the guest prints before its
#             page fault is checked, so ch03-page-fault does not matter)
#   fault-*   ch03-page-fault: the guest's page-fault handler in guest.c
#             (boot64 with its own tables)
#   usage: grade.sh CASE
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

case ${1:-} in
enter-*) run_vmm "$BUILD/exercises/boot64" --start32 "$GB/ch03.elf" ;;
fault-*) run_vmm "$BUILD/exercises/boot64" "$GB/ch03.elf" ;;
esac

case ${1:-} in
enter-long-mode)
	expect_out_has "Hello from 64-bit long mode!"
	;;
enter-own-tables)
	expect_out_has "page tables built by: the guest"
	;;
enter-registers)
	expect_out_has "PE=1 PG=1"
	expect_out_has "PAE=1"
	expect_out_has "LME=1 LMA=1"
	;;
enter-cr3)
	pml4=$(sed -n 's/^0*\([0-9a-f]*\) [Bb] boot_pml4$/\1/p' "$GB/ch03.sym")
	cr3=$(sed -n 's/^CR3=0x0*\([0-9a-f]*\) .*/\1/p' "$OUT")
	[ -n "$pml4" ] && [ "$cr3" = "$pml4" ] ||
		fail "CR3 is 0x$cr3; boot_pml4 is at 0x$pml4"
	;;
fault-handled)
	expect_status 0
	expect_out_has "page faults handled: 1"
	;;
fault-read-back)
	expect_out_has "read back 0x0123456789abcdef from 0x40000000"
	;;
fault-frame)
	line=$(grep -m 1 '^page fault at 0x40000000 ' "$OUT") ||
		fail "no line 'page fault at 0x40000000 ...'"
	echo "$line" | grep -q '(error code 0x2: write, not present)' ||
		fail "the fault was not reported as a not-present write"
	pa=$(echo "$line" |
		sed -n 's/.*mapped to physical 0x\([0-9a-f]*\)$/\1/p')
	[ -n "$pa" ] || fail "no physical address in: $line"
	# A fresh frame from the guest's pool, inside its image at 1 MiB.
	[ $((0x$pa)) -ge $((0x100000)) ] && [ $((0x$pa)) -lt $((0x200000)) ] &&
		[ $((0x$pa & 0xfff)) -eq 0 ] ||
		fail "0x$pa is not a page-aligned frame of the guest's pool"
	;;
fault-translate)
	kvm=$(sed -n 's/^KVM_TRANSLATE: 0x40000000 -> physical //p' "$OUT")
	mapped=$(sed -n 's/.*mapped to physical \(0x[0-9a-f]*\).*/\1/p' \
		"$OUT" | head -n 1)
	[ -n "$kvm" ] && [ "$kvm" = "$mapped" ] ||
		fail "the handler says '$mapped', KVM_TRANSLATE says '$kvm'"
	;;
*)
	echo "usage: $0 enter-long-mode|enter-own-tables|enter-registers|" \
		"enter-cr3|fault-handled|fault-read-back|fault-frame|" \
		"fault-translate"
	exit 2
	;;
esac
echo "ok: $1"
