#!/bin/sh
# Hidden test of ch02-guest-switch: the guest's first exit must come from
# 32-bit code at 1 MiB.  A guest that prints before switching, or never
# switches, makes its first exit from real-mode code below 64 KiB.
# The grader runs every test from the top of the tree.
. tests/guest/lib.sh
need_kvm
run_vmm "$BUILD/ch02" --trace "$TRACE"
rip=$(head -n 1 "$TRACE" | sed -n 's/.*"rip":\([0-9]*\).*/\1/p')
[ -n "$rip" ] && [ "$rip" -ge 1048576 ] ||
	fail "the first exit came from rip ${rip:-?}, below the 32-bit code at 1 MiB"
echo "ok: first exit at rip $rip"
