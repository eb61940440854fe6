#!/bin/sh
# Graded tests of chapter 3's guest exercises, run under the grading
# harness build/exercises/boot64, which enters long mode without any VMM
# exercise (see boot64.c):
#   enter-*   ch03-enter-long-mode: the guest's switch in longmode.S
#             (boot64 --start32; only what the guest prints before its
#             page fault is checked, so ch03-page-fault does not matter)
#   fault-*   ch03-page-fault: the guest's page-fault handler in guest.c
#             (boot64 with its own tables).  guest.c is the student's
#             file, so what it prints proves nothing about the machine:
#             these judge by what boot64 itself reads before and after
#             the run (CR2, KVM_TRANSLATE, its own walk of the guest's
#             tables, the bytes in the frame), which it writes to stderr
#             where the guest cannot.
#   usage: grade.sh CASE
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

VA=0x40000000			# ABI_DEMO_FAULT_VA, where the guest writes
DEMO=0x0123456789abcdef		# what it writes there (DEMO_VALUE in guest.c)
PTE_ADDR=0xffffffffff000	# the address bits of an entry

# What boot64 saw, from its stderr lines "boot64: PREFIX...".  Its lines
# "before the run" (and the image's span) come before the guest runs, and
# its lines "after the run" once the guest stopped: the first of the ones
# and the last of the others are boot64's own, whatever else reached
# stderr while the guest ran.
first() {
	sed -n "s/^boot64: $1//p" "$ERR" | head -n 1
}
last() {
	sed -n "s/^boot64: $1//p" "$ERR" | tail -n 1
}

# Where KVM_TRANSLATE maps VA after the run, or nothing.
frame() {
	last "after the run: KVM_TRANSLATE: $VA -> physical "
}

# The entries of the VMM's walk of VA after the run, "PML4[0] 0x...".
walk() {
	last "after the run: walk of $VA: "
}

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
	# The CPU writes CR2 when it raises #PF: the last page fault was at
	# VA, and the guest ran on to exit 0 after it, with VA mapped.
	cr2=$(last "after the run: CR2 " | cut -d' ' -f1)
	[ "$cr2" = $VA ] ||
		fail "CR2 is ${cr2:-?} when the guest stopped: the CPU took" \
			"no page fault at $VA (or a later one elsewhere)"
	[ -n "$(frame)" ] ||
		fail "$VA is not mapped after the run (KVM_TRANSLATE)"
	;;
fault-read-back)
	pa=$(frame)
	[ -n "$pa" ] || fail "$VA is not mapped after the run (KVM_TRANSLATE)"
	held=$(last "after the run: physical $pa holds ")
	[ "$held" = $DEMO ] ||
		fail "the VMM reads ${held:-nothing} at physical $pa, where" \
			"$VA is mapped: not $DEMO, what guest_main writes there"
	;;
fault-frame)
	was=$(first "before the run: KVM_TRANSLATE: $VA ")
	[ "$was" = "is not mapped" ] ||
		fail "$VA was mapped before the run: ${was:-?}"
	pa=$(frame)
	[ -n "$pa" ] || fail "$VA is not mapped after the run (KVM_TRANSLATE)"
	w=$(walk)
	pte=$(echo "$w" | sed -n 's/.* PT\[0\] \(0x[0-9a-f]*\)$/\1/p')
	[ -n "$pte" ] ||
		fail "$VA is not mapped by a 4 KiB page (a PT entry): $w"
	[ $((pte & 3)) -eq 3 ] ||
		fail "the PT entry $pte is not present and writable"
	[ $((pa)) -ne $((VA)) ] ||
		fail "$VA is mapped to itself: not a fresh frame"
	# A frame of the guest's pool: page-aligned, inside its image ...
	span=$(first "the guest image spans ")
	lo=${span%-*} hi=${span#*-}
	[ $((pa & 0xfff)) -eq 0 ] && [ $((pa)) -ge $((${lo:-0})) ] &&
		[ $((pa + 4096)) -le $((${hi:-0})) ] ||
		fail "$pa is not a page-aligned frame of the guest's pool" \
			"(its image spans ${span:-?})"
	# ... and none of the tables the walk went through.
	for e in $(echo "$w" | sed 's/ PT\[0\] .*//; s/[A-Z0-9]*\[[0-9]*\] //g'); do
		[ $((e & PTE_ADDR)) -ne $((pa)) ] ||
			fail "the frame $pa is also a page table: $w"
	done
	;;
fault-translate)
	# The frame the handler reported, KVM_TRANSLATE's answer and the
	# VMM's own walk of the guest's tables must all agree.
	mapped=$(sed -n "s/^page fault at $VA .*mapped to physical \(0x[0-9a-f]\{1,16\}\)$/\1/p" \
		"$OUT" | head -n 1)
	[ -n "$mapped" ] ||
		fail "no line 'page fault at $VA ...: mapped to physical ...'"
	kvm=$(frame)
	[ -n "$kvm" ] && [ $((mapped)) -eq $((kvm)) ] ||
		fail "the handler says $mapped, KVM_TRANSLATE says" \
			"${kvm:-not mapped}"
	pte=$(walk | sed -n 's/.* PT\[0\] \(0x[0-9a-f]*\)$/\1/p')
	[ -n "$pte" ] && [ $((pte & PTE_ADDR)) -eq $((kvm)) ] ||
		fail "KVM_TRANSLATE says $kvm, the VMM's walk finds PT entry" \
			"${pte:-none}: $(walk)"
	;;
*)
	echo "usage: $0 enter-long-mode|enter-own-tables|enter-registers|" \
		"enter-cr3|fault-handled|fault-read-back|fault-frame|" \
		"fault-translate"
	exit 2
	;;
esac
echo "ok: $1"
