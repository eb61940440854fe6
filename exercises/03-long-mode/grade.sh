#!/bin/sh
# Graded tests of chapter 3's guest exercises, run under the grading
# harness build/exercises/boot64, which enters long mode without any VMM
# exercise (see boot64.c).  The guest is the student's code, so what it
# prints about itself proves nothing (a 32-bit stub can print "LMA=1"):
# every test judges by what boot64 itself reads from KVM, which it writes
# to stderr, one "boot64: " line per fact, where the guest cannot.
#   enter-*   ch03-enter-long-mode: the guest's switch in longmode.S
#             (boot64 --start32).  boot64 reads the vCPU's mode at each
#             byte the guest prints (only text printed from 64-bit code,
#             EFER.LMA = 1 and CS.L = 1, counts) and at its write to the
#             debug-exit port, then CR0, CR4, EFER, CR3 and CS as KVM
#             reports them there, and walks the guest's tables for RIP.
#             A guest that stops any other way (a triple fault) fails.
#             The exit may carry ch03-page-fault's stub (status 78, from
#             64-bit code): that exercise is graded apart.
#   fault-*   ch03-page-fault: the guest's page-fault handler in guest.c
#             (boot64 with its own tables): what boot64 reads before and
#             after the run (CR2, KVM_TRANSLATE, its own walk of the
#             guest's tables, the bytes in the frame).
#   usage: grade.sh CASE
# CH03_GUEST names the guest (default: chapter 3's, $GB/ch03.elf), its
# symbol table beside it (ch03.sym); the grader's own test
# (tests/grader/cheat.sh) puts a cheat there.
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

CH03_GUEST=${CH03_GUEST:-$GB/ch03.elf}
SYM=${CH03_GUEST%.elf}.sym

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

# ---- enter-*: the mode the VMM saw -------------------------------------

# The lines the guest printed from 64-bit code, as boot64 saw them.
console64() {
	sed -n 's/^boot64: console from 64-bit code: //p' "$ERR"
}

# expect_console64 TEXT: 64-bit code printed TEXT.  If not, say where (in
# which mode) the guest printed it, if anywhere.
expect_console64() {
	console64 | grep -qF -- "$1" && return 0
	where=$(grep -F -- "$1" "$ERR" |
		sed -n 's/^boot64: console from \([^:]*\): .*/\1/p' | head -n 1)
	if [ -n "$where" ]; then
		fail "the guest printed \"$1\" in $where, not from 64-bit code:" \
			"the VMM read EFER.LMA and CS.L at each byte it printed" \
			"(expected LMA=1 and CS.L=1: long mode after the far jump)"
	fi
	fail "the guest never printed \"$1\" (the VMM saw no such line" \
		"from 64-bit code or any other); it stopped with status" \
		"$(last "the guest stopped: status ")$(stopped_how)"
}

# Why a status: the ones the VMM gives a guest it stopped itself.
stopped_how() {
	case $(last "the guest stopped: status ") in
	70) echo " (a fault: a triple fault, a failed VM entry; see the" \
		"VMM's report below)" ;;
	124) echo " (the VMM's --timeout: an endless loop?)" ;;
	esac
}

# The guest's write to the debug-exit port: "STATUS to the debug-exit port
# from MODE, RIP 0x...", or nothing (it stopped some other way).
exit_fact() {
	last "after the run: the guest wrote status "
}

# The registers, as KVM reports them at that write: only then are they
# read (after a triple fault AMD-V has already reset the vCPU).
need_registers() {
	[ -n "$(exit_fact)" ] ||
		fail "the guest never wrote the debug-exit port: it stopped" \
			"with status $(last "the guest stopped: status ")$(stopped_how)," \
			"so the VMM has no registers of the guest to check"
	CR0=$(last "after the run: CR0 ")
	CR4=$(last "after the run: CR4 ")
	EFER=$(last "after the run: EFER ")
	CR3=$(last "after the run: CR3 ")
	[ -n "$CR0" ] && [ -n "$CR4" ] && [ -n "$EFER" ] && [ -n "$CR3" ] ||
		fail "the VMM could not read the registers after the run"
}

# bit REG NAME: NAME's value (0 or 1) in a fact "0x... PE=1 PG=1".
bit() {
	echo "$1" | sed -n "s/.* $2=\([01]\).*/\1/p"
}

# Long mode with paging on when the guest stopped: CR3 is in use.
expect_paging() {
	[ "$(bit "$CR0" PG)" = 1 ] && [ "$(bit "$EFER" LMA)" = 1 ] ||
		fail "when the guest stopped, KVM reports CR0 ${CR0%% *}" \
			"(PG=$(bit "$CR0" PG)) and EFER ${EFER%% *}" \
			"(LMA=$(bit "$EFER" LMA)): paging is off or the CPU is" \
			"not in long mode, so CR3 ($CR3) is not in use" \
			"(expected PG=1 and LMA=1)"
}

# ---- fault-*: ABI_DEMO_FAULT_VA -----------------------------------------

# Where KVM_TRANSLATE maps VA after the run, or nothing.
frame() {
	last "after the run: KVM_TRANSLATE: $VA -> physical "
}

# The entries of the VMM's walk of VA after the run, "PML4[0] 0x...".
walk() {
	last "after the run: walk of $VA: "
}

case ${1:-} in
enter-*) run_vmm "$BUILD/exercises/boot64" --start32 "$CH03_GUEST" ;;
fault-*) run_vmm "$BUILD/exercises/boot64" "$CH03_GUEST" ;;
esac

case ${1:-} in
enter-long-mode)
	expect_console64 "Hello from 64-bit long mode!"
	e=$(exit_fact)
	[ -n "$e" ] ||
		fail "the guest never wrote the debug-exit port: it stopped" \
			"with status $(last "the guest stopped: status ")$(stopped_how)" \
			"(expected status 0, written from 64-bit code)"
	status=${e%% *} mode=${e#* from } mode=${mode%%, RIP*}
	[ "$mode" = "64-bit code" ] ||
		fail "the guest wrote status $status to the debug-exit port" \
			"from $mode (the VMM read the mode at that OUT):" \
			"expected it from 64-bit code"
	# 78: ch03-page-fault's stub (64-bit code) ended the run: that
	# exercise is graded apart (fault-*), and its stub must not cost
	# this one points.
	[ "$status" = 0 ] || [ "$status" = 78 ] ||
		fail "the guest wrote status $status to the debug-exit port" \
			"from 64-bit code: expected 0 (success)"
	;;
enter-own-tables)
	expect_console64 "page tables built by: the guest"
	need_registers
	expect_paging
	# The tables the CPU walks for RIP (the code that wrote the
	# debug-exit port) are in the guest's image, and map RIP's page to
	# itself, where the VMM loaded that code.
	span=$(first "the guest image spans ")
	lo=${span%-*} hi=${span#*-}
	tables=$(last "after the run: tables walked for RIP: ")
	[ -n "$tables" ] || fail "the VMM did not walk the tables at CR3 $CR3"
	for t in $tables; do
		[ $((t)) -ge $((${lo:-0})) ] && [ $((t + 4096)) -le $((${hi:-0})) ] ||
			fail "the page table at $t (CR3 $CR3, walked for RIP)" \
				"is outside the guest image ($span): expected" \
				"the guest's own tables, boot_pml4 and below"
	done
	rip=$(exit_fact | sed -n 's/.*, RIP \(0x[0-9a-f]*\)$/\1/p')
	pa=$(last "after the run: RIP $rip is mapped to physical ")
	[ -n "$pa" ] ||
		fail "the guest's tables at CR3 $CR3 do not map RIP $rip," \
			"the code that wrote the debug-exit port:" \
			"$(last "after the run: walk of $rip: ")"
	[ $((pa >> 12)) -eq $((rip >> 12)) ] ||
		fail "the guest's tables map RIP $rip to physical $pa:" \
			"expected its own page (identity), where the VMM" \
			"loaded that code"
	;;
enter-registers)
	need_registers
	bad=
	unset_bit() { # VALUE REG BIT: note REG.BIT if it is 0
		[ "$(bit "$1" "$3")" = 1 ] || bad="$bad $2.$3=0"
	}
	unset_bit "$CR0" CR0 PE
	unset_bit "$CR0" CR0 PG
	unset_bit "$CR4" CR4 PAE
	unset_bit "$EFER" EFER LME
	unset_bit "$EFER" EFER LMA
	[ -z "$bad" ] ||
		fail "when the guest stopped, KVM reports CR0 ${CR0%% *}," \
			"CR4 ${CR4%% *}, EFER ${EFER%% *}:$bad (expected" \
			"CR0.PE, CR0.PG, CR4.PAE, EFER.LME and EFER.LMA all 1)"
	;;
enter-cr3)
	need_registers
	expect_paging
	pml4=$(sed -n 's/^0*\([0-9a-f]*\) [Bb] boot_pml4$/\1/p' "$SYM")
	[ -n "$pml4" ] || fail "no symbol boot_pml4 in $SYM"
	[ $((CR3)) -eq $((0x$pml4)) ] ||
		fail "KVM reports CR3 $CR3 when the guest stopped; boot_pml4" \
			"is at 0x$pml4 ($SYM): expected CR3 = boot_pml4"
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
