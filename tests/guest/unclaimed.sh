#!/bin/sh
# A guest hammers ports and addresses nobody claims, with every width,
# unaligned, straddling a device's end and crossing a page, and with
# string I/O (tests/guests/unclaimed64.S).  The VMM logs and counts each
# one and carries on; the guest itself checks that every read gave all
# ones (or the device's bytes) and exits 0.
. "$(dirname "$0")/lib.sh"
need_kvm

run_vmm "$BUILD/ch05" --guest "$GB/tests/unclaimed64.elf" --stats
expect_status 0
expect_err_has "pio bus: unclaimed 1-byte read at 0x100, reads as all ones"
expect_err_has "pio bus: unclaimed 4-byte write at 0x100 ignored"
expect_err_has "mmio bus: unclaimed 8-byte read at 0xc0001000, reads as all ones"
expect_err_has "more unclaimed accesses; counting them silently"
# The counts the guest's comment works out, access by access.
grep -qx "pio bus: debug-exit 1, serial8250 0; unclaimed 410" "$ERR" ||
	fail "expected 410 unclaimed port accesses"
grep -qx "mmio bus: clock 6; unclaimed 18" "$ERR" ||
	fail "expected 6 clock and 18 unclaimed MMIO accesses"
# The warnings stop: a guest cannot flood the terminal.
[ "$(grep -c 'unclaimed .* at 0x' "$ERR")" -le 16 ] ||
	fail "more than 8 warnings per bus"
echo "ok: 410 port and 18 MMIO accesses nobody claims, no crash"
