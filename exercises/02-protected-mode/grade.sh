#!/bin/sh
# Graded tests of ch02-guest-switch: the guest's own way from real mode to
# protected mode (guest/boot/realmode.S).  build/ch02 without --direct
# uses no VMM exercise (boot_real only), so these grade the guest alone.
#
# Every test judges from the VMM's side, never from what the guest says
# about itself (a real-mode guest can print any text):
#   - the --trace exit log: the RIP of each exit.  Real-mode code runs
#     below 64 KiB; code at or above 1 MiB (ABI_ELF_BASE: from_real,
#     start32, guest_main) runs only once the guest is in 32-bit protected
#     mode with the flat code segment.  Only the console text that code
#     printed counts.
#   - the segment registers the VMM reads with KVM_GET_SREGS when the guest
#     stopped, printed after the guest's console: the last such dump in the
#     output is the VMM's, whatever the guest printed before it.
#   - the guest image (build/guest/ch02.elf, ch02.sym): where gdt_desc is
#     and what the GDT it points at holds.
#   usage: grade.sh CASE
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

ELF=$GB/ch02.elf
MIB=1048576

run_vmm "$BUILD/ch02" --trace "$TRACE"

# The VMM's dump when the guest stopped: what follows the last header.
after() {
	n=$(grep -n -- '--- segment registers when the guest stopped ---' \
		"$OUT" | tail -n 1 | cut -d: -f1)
	[ -n "$n" ] && tail -n "+$((n + 1))" "$OUT"
}

# The console text printed by code at or above 1 MiB: one byte per IO
# exit to the console port (0x3f8 = 1016) in the trace.
console32() {
	sed -n '/"reason":"IO","dir":"out","port":1016,/{
		s/.*"data":\([0-9]*\).*"rip":\([0-9]*\).*/\2 \1/p
	}' "$TRACE" | awk -v mib=$MIB '$1 >= mib { printf "%c", $2 }'
}

expect_console32() {
	console32 | grep -qF -- "$1" ||
		fail "code at or above 1 MiB (32-bit protected mode) did not" \
			"print: $1"
}

# The last exit: the debug-exit port (0xf4 = 244), from 32-bit code.
expect_exit32() {
	last=$(tail -n 1 "$TRACE")
	echo "$last" | grep -q '"reason":"IO","dir":"out","port":244,' ||
		fail "the last exit is not the debug-exit port: $last"
	rip=$(echo "$last" | sed -n 's/.*"rip":\([0-9]*\).*/\1/p')
	[ -n "$rip" ] && [ "$rip" -ge $MIB ] ||
		fail "the debug-exit port was written from rip ${rip:-?}," \
			"below the 32-bit code at 1 MiB (start32)"
}

# image_hex ADDR LEN: the bytes the guest image loads at ADDR, in hex,
# from its loaded (ALLOC) sections only.
image_hex() {
	secs=$(objdump -h "$ELF" | awk '/^ +[0-9]+ / { name = $2 }
		/ALLOC/ { printf "-j %s ", name }')
	# shellcheck disable=SC2086
	objdump -s $secs --start-address=$(($1)) \
		--stop-address=$(($1 + $2)) "$ELF" |
		awk '/^ [0-9a-f]+ / {
			sub(/^ [0-9a-f]+ /, "")
			h = substr($0, 1, 35)
			gsub(/ /, "", h)
			printf "%s", h
		}'
}

case ${1:-} in
status)
	expect_status 0
	expect_exit32
	expect_console32 "Hello from 32-bit protected mode!"
	;;
self)
	# The VMM started the guest in real mode (its first dump, before
	# the guest ran); from_real, reached only through the far jump,
	# set boot_path, which guest_main reports from 32-bit code.
	sed -n 1p "$OUT" | grep -q 'at the first instruction (real mode)' &&
		[ "$(sed -n 2p "$OUT")" = "  mode real mode" ] ||
		fail "the VMM did not start the guest in real mode"
	expect_console32 "entered: the guest switched itself from real mode"
	;;
segments)
	a=$(after) || fail "no segment dump from the VMM after the run"
	echo "$a" | grep -q "^  mode protected mode, 32-bit code" ||
		fail "the CPU did not end in 32-bit protected mode:" \
			"$(echo "$a" | head -n 1)"
	echo "$a" | grep -Eq '^  cs +sel 0x0008 +base 0x00000000 +limit 0xffffffff ' ||
		fail "CS is not selector 0x08, the flat 32-bit code segment"
	echo "$a" | grep -Eq '^  ds +sel 0x0010 +base 0x00000000 +limit 0xffffffff ' ||
		fail "DS is not selector 0x10, the flat data segment"
	;;
gdtr)
	a=$(after) || fail "no segment dump from the VMM after the run"
	echo "$a" | grep -Eq '^  cr0 +0x[0-9a-f]+ \[PE[] ]' ||
		fail "CR0.PE is clear when the guest stopped"
	hex=$(echo "$a" | sed -n 's/^  gdt  base 0x\([0-9a-f]*\)  limit .*/\1/p')
	limit=$(echo "$a" | sed -n 's/^  gdt  base .*  limit 0x\([0-9a-f]*\)$/\1/p')
	[ -n "$hex" ] && [ "$limit" = 001f ] ||
		fail "GDTR is base 0x${hex:-?} limit 0x${limit:-?}:" \
			"not a table of 4 descriptors (limit 0x001f)"
	base=$((0x$hex))
	# What the guest loaded with lgdtl: gdt_desc, a 16-bit limit and a
	# 32-bit base, little-endian.
	desc=$(sed -n 's/^0*\([0-9a-f]*\) [a-zA-Z] gdt_desc$/\1/p' \
		"$GB/ch02.sym")
	[ -n "$desc" ] || fail "no symbol gdt_desc in the guest"
	d=$(image_hex "0x$desc" 6)
	want=$(printf '1f00%02x%02x%02x%02x' $((base & 255)) \
		$((base >> 8 & 255)) $((base >> 16 & 255)) $((base >> 24 & 255)))
	[ "$d" = "$want" ] ||
		fail "GDTR (base 0x$hex limit 0x001f) is not what gdt_desc" \
			"(0x$desc) holds: $d"
	# The table there: null, flat code, flat data, 64-bit code.
	t=$(image_hex "$base" 32)
	[ "$t" = "0000000000000000ffff0000009bcf00ffff00000093cf00ffff0000009baf00" ] ||
		fail "the 4 descriptors at GDTR base 0x$hex are not the flat" \
			"GDT with accessed bits set: $t"
	expect_exit32
	expect_trace_count '"reason":"HLT"' 0
	;;
*)
	echo "usage: $0 status|self|segments|gdtr"
	exit 2
	;;
esac
echo "ok: $1"
