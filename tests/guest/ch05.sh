#!/bin/sh
# Chapter 5: the guest finds its devices only in the device tree.  What it
# reports must match the blob the VMM wrote with --dump-dtb, decoded by
# dtc; its MMIO accesses must all be exits the clock counted.
#   usage: ch05.sh discover | mem | dump-error
. "$(dirname "$0")/lib.sh"
need_kvm
command -v dtc >/dev/null || skip "needs dtc (Debian: device-tree-compiler)"

# dts_devices DTS: "PATH COMPATIBLE CELLS..." for each node with a reg and
# a compatible, from dtc's output (one property per line).
dts_devices() {
	awk '
	/^[ \t]*[^ \t=]+ \{$/ {
		name = $1
		path[++depth] = (depth == 1 ? "" : path[depth - 1]) \
			(depth == 1 ? "" : "/" name)
		compat[depth] = ""; reg[depth] = ""
		next
	}
	/^[ \t]*compatible = / {
		c = $0; sub(/.*= "/, "", c); sub(/".*/, "", c)
		compat[depth] = c
	}
	/^[ \t]*reg = </ {
		r = $0; sub(/.*= </, "", r); sub(/>.*/, "", r)
		reg[depth] = r
	}
	/^[ \t]*\};$/ {
		if (compat[depth] != "" && reg[depth] != "")
			print path[depth], compat[depth], reg[depth]
		depth--
	}' "$1"
}

# The guest's line for one device: "device: PATH COMPAT io|mmio ADDR size LEN".
expected_line() {
	path=$1 compat=$2
	shift 2
	if [ $# -eq 3 ]; then # ISA: space, port, ports
		space=mmio
		[ $(($1)) -eq 1 ] && space=io
		printf 'device: %s %s %s 0x%x size 0x%x\n' "$path" "$compat" \
			$space $(($2)) $(($3))
	else # two cells of address, two of size
		printf 'device: %s %s mmio 0x%x size 0x%x\n' "$path" "$compat" \
			$(($1 << 32 | $2)) $(($3 << 32 | $4))
	fi
}

check_discoveries() { # $1 = RAM size in bytes
	expect_status 0
	expect_out_has "SUCCESS"
	dtc -I dtb -O dts "$TMP/ch05.dtb" >"$TMP/ch05.dts" 2>"$TMP/dtc.err" ||
		fail "dtc cannot decode the blob: $(cat "$TMP/dtc.err")"
	[ -s "$TMP/dtc.err" ] && fail "dtc warns: $(cat "$TMP/dtc.err")"
	dts_devices "$TMP/ch05.dts" | while read -r line; do
		# shellcheck disable=SC2086
		expected_line $line
	done | sort >"$TMP/want"
	grep '^device: ' "$OUT" | sort >"$TMP/got"
	[ "$(wc -l <"$TMP/want")" -ge 3 ] || fail "the tree has too few devices"
	cmp -s "$TMP/want" "$TMP/got" ||
		fail "the guest found: $(cat "$TMP/got") / the tree has: $(cat "$TMP/want")"
	# Memory, the tree's own place at the top of RAM, the console.
	ram=$(printf '0x%x' $(($1 - 1)))
	fdt=$(printf '0x%x' $(($1 - 0x10000)))
	grep -q "reg = <0x00 0x00 0x00 $(printf '0x%x' "$1")>;" "$TMP/ch05.dts" ||
		fail "the tree's memory is not $1 bytes"
	expect_out_has "memory: 0x0-$ram ("
	expect_out_has "device tree at $fdt: "
	grep -q "/memreserve/.*0x0*${fdt#0x} 0x0*10000;" "$TMP/ch05.dts" ||
		fail "the tree does not reserve itself"
	expect_out_has "reserved: $fdt-$ram"
	grep -q 'stdout-path = "serial0:115200n8";' "$TMP/ch05.dts" ||
		fail "no stdout-path in /chosen"
	expect_out_has "console: serial0:115200n8 = I/O port 0x3f8, 115200 baud"
}

case ${1:-} in
discover)
	args="console=ttyS0 loops=50 id=$$"
	run_vmm "$BUILD/ch05" --dump-dtb "$TMP/ch05.dtb" --cmdline "$args" \
		--stats --trace "$TRACE"
	check_discoveries $((2 * 1024 * 1024))
	grep -qF "bootargs = \"$args\";" "$TMP/ch05.dts" || fail "bootargs"
	expect_out_has "bootargs: $args"
	expect_out_has "timing: 50 port reads"
	# Every load or store in the clock's page was an exit it counted.
	expect_out_has "clock: ACCESSES "
	expect_out_has ": 10 loads in between, 10 exits"
	hits=$(sed -n 's/^mmio bus: clock \([0-9]*\); unclaimed 0$/\1/p' "$ERR")
	[ -n "$hits" ] || fail "--stats lacks the MMIO bus line"
	expect_trace_count '"reason":"MMIO"' "$hits"
	grep -Eq "^  MMIO +$hits " "$ERR" || fail "--stats: MMIO is not $hits"
	# The guest left through the debug-exit port the tree names.
	tail -n 1 "$TRACE" | grep -q '"port":244' || fail "last exit is not 0xf4"
	;;
mem)
	# Nothing is compiled in: with more RAM everything follows the tree.
	run_vmm "$BUILD/ch05" --mem 8M --dump-dtb "$TMP/ch05.dtb"
	check_discoveries $((8 * 1024 * 1024))
	;;
dump-error)
	run_vmm "$BUILD/ch05" --dump-dtb "$TMP/no/such/dir/x.dtb"
	expect_status 64
	expect_err_has "cannot write the device tree to $TMP/no/such/dir/x.dtb"
	run_vmm "$BUILD/ch05" --cmdline
	expect_status 64
	expect_err_has "option needs a value: --cmdline"
	;;
*)
	echo "usage: $0 discover|mem|dump-error"
	exit 2
	;;
esac
echo "ok: $1"
