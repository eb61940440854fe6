#!/bin/sh
# What the register viewer's commands mean, on a guest with a known
# instruction sequence (tests/guests/step16.S, run by build/ch01 --guest):
# single-step, run to the next exit, breakpoints, break on an exit filter,
# break on a mode change, HLT recognised while stepping, the memory view,
# writing the exit log, and its errors; a fault taken while stepping
# (chapter 3's guest); and interrupts while stepping (chapter 6's).  Each
# case replays keys headless and checks the frames.
#
#   tests/viewer/semantics.sh CASE
. "$(dirname "$0")/../guest/lib.sh"

STEP16=$GB/tests/step16.bin

# view KEYS [ARGS...]: the viewer on step16 under KEYS; frames in $OUT.
view() {
	keys=$1
	shift
	run_vmm "$BUILD/ch01" --guest "$STEP16" --tui-script "$keys" "$@"
}

# frame N: frame N of the last run (the last one if N is "last").
frame() {
	awk -v n="$1" '
		/^--- frame [0-9]+ ---$/ { k++; next }
		k == n || n == "last" && k > 0 { f[k] = f[k] $0 "\n" }
		END { printf "%s", n == "last" ? f[k] : f[n] }' "$OUT"
}

expect_frame() { # N TEXT...: frame N holds every TEXT
	n=$1
	shift
	frame "$n" >"$TMP/frame"
	[ -s "$TMP/frame" ] || fail "there is no frame $n"
	for t in "$@"; do
		grep -qF -- "$t" "$TMP/frame" ||
			{ cat "$TMP/frame"; fail "frame $n lacks: $t"; }
	done
}

expect_frame_re() { # N ERE: a line of frame N matches the extended regexp
	frame "$1" | grep -Eq -- "$2" || { frame "$1"; fail "frame $1 lacks /$2/"; }
}

first_frame_re() { # ERE: the number of the first frame with a line matching
	awk -v re="$1" '/^--- frame [0-9]+ ---$/ { k++; next }
		!n && $0 ~ re { n = k } END { print n + 0 }' "$OUT"
}

expect_not_frame() { # N TEXT
	frame "$1" | grep -qF -- "$2" && { frame "$1"; fail "frame $1 has: $2"; }
	return 0
}

case ${1:?usage: semantics.sh CASE} in
usage) ;; # needs no KVM
*) need_kvm ;;
esac

case $1 in
step)
	# Three instructions, no exits: AX, then BX, then BX = AX + BX.
	view 's<frame>ss'
	expect_status 0
	expect_frame 1 "stopped: one instruction" "steps 1  exits 0" \
		"rax*0000000000001234" "rip*0000000000001003" \
		"at 0x1003 <_start+3>  bytes bb 78 56"
	expect_frame 2 "steps 3  exits 0" "rbx*00000000000068ac" \
		"rax 0000000000001234" "at 0x1008 <out_k>" "(no exits yet"
	;;
step-out)
	# The sixth instruction is an OUT: its own exit, and still one step.
	view 'ssssss'
	expect_frame 1 "stopped: one instruction, which made exit #1 IO out" \
		"steps 6  exits 1" "rip*000000000000100e" "at 0x100e <after_out>" \
		"IO       out port 0x3f8 size 1 data 0x4b 'K'"
	view 'ssssss6'
	expect_frame 1 "[6 console]" "K"
	;;
next-exit)
	# Full speed to the OUT: no single steps, one exit, RIP after it.
	view 'n<frame>n'
	expect_frame 1 "stopped: exit #1 IO out port 0x3f8 size 1 data 0x4b 'K'" \
		"steps 0  exits 1" "rip*000000000000100e" "at 0x100e <after_out>" \
		"rdx*00000000000003f8" "*     1 IO       out port 0x3f8"
	expect_frame 2 "exit #2 IO out port 0x3f8 size 1 data 0x21 '!'" \
		"at 0x1036 <halt>" "protected mode, 32-bit code, CPL0" \
		"      1 IO" "*     2 IO"
	;;
breakpoint)
	# A breakpoint at bp_here: c single-steps to it (on every KVM, see
	# kvmlab/viewer/stepper.h) and stops before INC CX runs; the steps of a run
	# are not counted.  c resumes past it and the guest runs to its end.
	view 'bbp_here<enter><frame>c<frame>s<frame>c'
	expect_frame 1 "breakpoint 1 at 0x100f <bp_here> (c and n single-step to it)" \
		"breaks bp1 0x100f <bp_here>  (c, n: by single steps)"
	expect_frame 2 "stopped: breakpoint 1 at 0x100f <bp_here>" \
		"steps 0  exits 1" "rip*000000000000100f" \
		"rcx 0000000000000000"
	expect_frame 3 "rcx*0000000000000001" "at 0x1010 <bp_here+1>"
	expect_frame 4 "guest halted (HLT): status 0" "exits 3"
	expect_status 0
	# Enter sets one at RIP; the same address again clears it; four at most.
	view 'b<enter><frame>b1000<enter><frame>b1<enter>b2<enter>b3<enter>b4<enter>b5<enter>'
	expect_frame 1 "breakpoint 1 at 0x1000 <_start>"
	expect_frame 2 "breakpoint at 0x1000 <_start> cleared" "breaks none"
	expect_frame 3 "all four breakpoints are in use" \
		"bp1 0x1  bp2 0x2  bp3 0x3  bp4 0x4"
	view 'bnowhere<enter>'
	expect_frame 1 "'nowhere' is neither a symbol nor a hex address"
	;;
filter)
	# Stop after each exit to port 0x3f8; a range that misses runs on.
	view 'eio<space>3f8<enter><frame>c<frame>c<frame>c'
	expect_frame 1 "break on exits: IO 0x3f8" "breaks filter IO 0x3f8"
	expect_frame 2 "stopped: exit #1 IO out port 0x3f8 size 1 data 0x4b 'K' (filter)"
	expect_frame 3 "stopped: exit #2 IO out port 0x3f8 size 1 data 0x21 '!' (filter)"
	expect_frame 4 "guest halted (HLT): status 0"
	view 'eio<space>0-ff<enter>c'
	expect_frame 1 "guest halted (HLT): status 0" "exits 3"
	view 'ehlt<enter>c'
	expect_frame 1 "guest halted (HLT): status 0"
	view 'ebogus<enter>'
	expect_frame 1 "unknown exit reason 'bogus'"
	;;
mode-change)
	# Break when CR0.PE makes real mode protected: right after the MOV
	# to CR0, before the far jump, CS still holds its real-mode values.
	view 'mc<frame>2<frame>s'
	expect_frame 1 "stopped: mode change: real mode -> protected mode" \
		"protected mode, 16-bit code, CPL0" "at 0x1021 <after_pe>" \
		"cr0 *60000011" "breaks mode-change" "exits 1"
	# ch01 starts from KVM's reset CS, accessed on VT-x and kvm-pvm,
	# not on AMD-V: the test does not depend on that bit.
	expect_frame_re 2 "^cs  0000 0000000000000000 0000ffff code exec/read (acc )?16-bit"
	expect_frame 3 "cs *0008 0000000000000000 ffffffff code exec/read acc 32-bit" \
		"at 0x1029 <pm32>"
	;;
hlt)
	# Single-stepping onto HLT: the viewer reads 0xF4 at CS:RIP and
	# ends the guest as KVM_EXIT_HLT would (exit logged, RIP after it).
	view 'bhalt<enter>c<frame>s<frame>s' --trace "$TRACE"
	expect_frame 1 "stopped: breakpoint 1 at 0x1036 <halt>" \
		"bytes f4 eb fd" "exits 2"
	expect_frame 2 "guest halted (HLT): status 0" "exits 3" \
		"*     3 HLT" "at 0x1037 <halt+1>"
	expect_frame 3 "the guest has ended (status 0): q quits"
	expect_status 0
	# --trace gets it as a real HLT exit: after the two OUTs, RIP past it.
	[ "$(tail -n 1 "$TRACE")" = '{"seq":3,"reason":"HLT","rip":4151}' ] ||
		fail "trace: $(tail -n 1 "$TRACE")"
	expect_trace_count '"reason":"IO"' 2
	# Continuing by single steps (break on mode change) meets it too.
	view 'mcc'
	expect_frame 1 "guest halted (HLT): status 0" "3 HLT"
	;;
handler)
	# Stepping into a fault: ch03's write to an unmapped page faults
	# while the viewer single-steps to a breakpoint, so the CPU saves
	# RFLAGS with KVM's trap flag on the stack.  With the breakpoint
	# cleared, c runs freely; the handler's IRETQ must not leave the
	# guest a trap flag (it has no #DB handler): it runs to its end.
	run_vmm "$BUILD/ch03" --tui-script \
		'bidt_set_handler<enter>cn<frame>bidt_set_handler<enter>c6'
	expect_frame 1 "stopped: exit #185 IO out port 0x3f8" \
		"cr2*0000000040000000"
	expect_frame last "guest ended: status 0 on the debug-exit port" \
		"page faults handled: 1"
	expect_status 0
	;;
interrupts)
	# Chapter 6: KVM's PICs in two lines under the breaks.  The exit
	# filter stops at the guest's accesses to port 0x3fa: the FCR writes
	# of its set-up, then the UART handler's read of IIR, where IRQ 4 is
	# in service.  Then the guest sleeps in HLT for input that never
	# comes (the viewer hangs its line up) and the 100 Hz timer wakes
	# it: a step from there takes the timer's interrupt, which the
	# stepper finds in the PICs and puts in the exit log, whatever the
	# KVM does with the handler (kvmlab/viewer/stepper.h).
	steps='s<frame>s<frame>s<frame>s<frame>s<frame>s<frame>s<frame>s<frame>'
	steps=$steps$steps # 16: the guest's idle loop is 8 steps at most
	run_vmm "$BUILD/ch06" --timeout 2 --tui-size 100x30 --tui-script \
		"eio<space>3fa<enter>c<frame>c<frame>c<frame>e<enter>c<frame>$steps"
	expect_status 0
	expect_frame 1 "irq  IF=0  vectors" "pic  IRR"
	n=$(first_frame_re 'stopped: exit #[0-9]+ IO in  port 0x3fa .*[(]filter[)]')
	[ "$n" -gt 0 ] || fail "no stop at the UART handler's read of IIR"
	expect_frame "$n" "irq  IF=0  vectors 32-39 40-47"
	expect_frame_re "$n" "^pic  IRR.[0-9a-f]{4} .*  ISR.0010 4 COM1  IMR.ffea unmasked 0 2 4$"
	expect_frame 4 "stopped by --timeout 2 s" "vectors 32-39 40-47"
	m=$(first_frame_re 'stopped: .*IRQ 0 [(]timer, vector 32[)]')
	[ "$m" -gt 4 ] || fail "no step took the timer's interrupt"
	expect_frame_re "$m" '^[*] +- IRQ 0 +timer, vector 32 -> 0x[0-9a-f]+ <isr32> +0x[0-9a-f]+ <'
	# Chapters 1-5 have no irqchip: nothing of it on their screens.
	view 's'
	expect_not_frame 1 "irq  IF"
	;;
memory)
	# Physical, virtual (KVM_TRANSLATE) and by symbol.
	view 'x1000<enter><frame>xv<space>1040<enter><frame>xgdt_desc<enter>'
	expect_frame 1 "[5 memory]" "physical 0x1000" \
		"00001000  b8 34 12 bb 78 56 01 c3  ba f8 03 b0 4b ee 90 41"
	expect_frame 2 "virtual 0x1040 -> physical 0x1040" \
		"00001040  00 00 00 00 00 00 00 00  ff ff 00 00 00 9b cf 00"
	expect_frame 3 "virtual 0x1058 -> physical 0x1058" "00001058  17 00 40 10"
	view 'xp<space>1ffff0<enter>'
	expect_frame 1 "physical 0x1ffff0" "001ffff0  00 00"
	view 'x400000<enter>'
	expect_frame 1 "physical 0x400000: outside guest RAM"
	;;
write)
	# w writes the screen and the exit log (at most the last 1000).
	view "c3w$TMP/view.txt<enter>"
	expect_frame 1 "wrote the screen and 3 exits to $TMP/view.txt"
	grep -qF " ch01 | guest halted (HLT): status 0" "$TMP/view.txt" ||
		fail "the file lacks the screen"
	grep -qF "the last 3 exits of 3, oldest first:" "$TMP/view.txt" ||
		fail "the file lacks the exit log"
	grep -Eq "^ +3 HLT +0x1037 <halt\+1>$" "$TMP/view.txt" ||
		fail "the file lacks the HLT exit"
	run_vmm "$BUILD/ch01" --guest "$GB/tests/bench_out16.bin" \
		--tui-script "cw$TMP/long.txt<enter>"
	grep -qF "the last 1000 exits of 100001, oldest first:" "$TMP/long.txt" ||
		fail "the file does not keep the last 1000 exits"
	[ "$(sed -n '/^the last 1000 exits/,$p' "$TMP/long.txt" |
		grep -c ' IO  *out port 0x80 ')" -eq 999 ] ||
		fail "expected 999 IO exits and the HLT in the file"
	view "w/nonexistent/x.txt<enter>"
	expect_frame 1 "cannot write /nonexistent/x.txt: No such file"
	;;
timeout)
	# Headless runs are bounded by --timeout: loop16 makes no exits.
	run_vmm "$BUILD/ch01" --guest "$GB/tests/loop16.bin" --timeout 1 \
		--tui-script 'c'
	expect_status 0
	expect_frame 1 "stopped: paused" "stopped by --timeout 1 s"
	;;
usage)
	run_vmm "$BUILD/ch01" --tui-script 's<bogus>'
	expect_status 64
	expect_err_has "--tui-script: unknown key name"
	run_vmm "$BUILD/ch01" --tui-size 20x10 --tui-script s
	expect_status 64
	expect_err_has "--tui-size takes COLSxROWS"
	# stdin is /dev/null here: no terminal, so --tui says what to do.
	if "$BUILD/doctor" --probe >/dev/null 2>&1; then
		run_vmm "$BUILD/ch01" --tui
		expect_status 64
		expect_err_has "--tui needs a terminal"
		expect_err_has "--tui-script"
	fi
	;;
*)
	echo "semantics.sh: no case $1"
	exit 2
	;;
esac
echo "ok: $1"
