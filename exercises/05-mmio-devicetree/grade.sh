#!/bin/sh
# Graded tests of ch05-discover: read_reg() and find_console() in
# chapters/05-mmio-devicetree/guest.c.  The grading VMM
# build/exercises/dtboot writes a device tree of its own (see dtboot.c:
# one-cell addresses at the root, the console at 0x2f8 behind an alias,
# ISA memory space, a 64-bit bus, two nodes to refuse) and runs the
# grading guest discover.elf, which prints what the two functions found
# through the chapter 1-3 console.  No VMM exercise and no UART driver
# take part, so these grade the guest's reading of the tree alone.
#   usage: grade.sh reg-cells|reg-isa|reg-refused|console-alias|
#                   console-path|console-refused
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

# tree TREE: run the grading guest on one of dtboot's trees.
tree() {
	run_vmm "$BUILD/exercises/dtboot" "$1" "$GB/exercises/discover.elf"
	expect_status 0
}

expect_line() {
	grep -qxF -- "$1" "$OUT" || fail "the guest did not print: $1"
}

case ${1:-} in
reg-cells)
	tree alias
	# The root has one address cell and one size cell; soc has two.
	expect_line "reg /clock@c8000000: mem 0xc8000000 size 0x1000"
	expect_line "reg /memory@0: mem 0x0 size 0x200000"
	expect_line "reg /soc/widget@10000c000: mem 0x10000c000 size 0x2000"
	# cpus: one address cell and no size.
	expect_line "reg /cpus/cpu@0: mem 0x0 size 0x0"
	;;
reg-isa)
	tree alias
	# Under isa the first cell is the space: 1 = I/O ports, 0 = memory.
	expect_line "reg /isa/serial@i2f8: io 0x2f8 size 0x8"
	expect_line "reg /isa/debug-exit@if4: io 0xf4 size 0x1"
	expect_line "reg /isa/rom@d0000: mem 0xd0000 size 0x1000"
	;;
reg-refused)
	tree alias
	expect_line "reg /short@1000: refused"
	expect_line "reg /odd/thing@0: refused"
	;;
console-alias)
	tree alias
	expect_line "console: /isa/serial@i2f8 port 0x2f8, 38400 baud (stdout-path serial1:38400n8)"
	;;
console-path)
	tree path
	expect_line "console: /isa/serial@i2f8 port 0x2f8, 115200 baud (stdout-path /isa/serial@i2f8)"
	;;
console-refused)
	for t in not-16550 not-io missing none; do
		tree $t
		grep -qxF "console: refused" "$OUT" ||
			fail "tree '$t' (see exercises/05-mmio-devicetree/dtboot.c): $(grep '^console' "$OUT")"
	done
	;;
*)
	echo "usage: $0 reg-cells|reg-isa|reg-refused|console-alias|" \
		"console-path|console-refused"
	exit 2
	;;
esac
echo "ok: $1"
