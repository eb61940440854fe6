#!/bin/sh
# Write the seed corpus of tests/fuzz/fuzz_hypercall.c into
# tests/fuzz/corpus/hypercall/: one small guest per call, good and bad,
# so the fuzzer starts from blocks that reach every branch and mutates
# their pointers and lengths.  The files are committed; run this again
# only when the input format (the top of fuzz_hypercall.c) changes.
#
#   sh tests/fuzz/seed_hypercall.sh
#
# A seed is: call number (1 byte), access (1 byte: 0 direct, else bus
# size | 0x10 for an OUT), block address (8 bytes, little-endian), then
# guest RAM from address 0.  Blocks sit at 0x10; a console write's text
# at 0x28.  The fuzzer's RAM is 64 KiB (0x10000).
set -eu

out=$(dirname "$0")/corpus/hypercall
mkdir -p "$out"
rm -f "$out"/*

# byte N...: each number as one byte.
byte() {
	for b in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf %03o "$b")"
	done
}
# u64 N: eight bytes, little-endian (negative numbers wrap, -1 is
# UINT64_MAX: the shell's arithmetic is signed 64-bit).
u64() {
	i=0
	while [ $i -lt 8 ]; do
		byte $((($1 >> (8 * i)) & 255))
		i=$((i + 1))
	done
}
zeros() { head -c "$1" /dev/zero; }

# seed CALL ACCESS GPA: the 10 bytes before RAM.
seed() { byte "$1" "$2"; u64 "$3"; }
# A console write block at 0x10: ret 0, buf, len, then "hello\n" at 0x28.
console_ram() { zeros 16; u64 0; u64 "$1"; u64 "$2"; printf 'hello\n'; }
halt_ram() { zeros 16; u64 0; u64 "$1"; }

{ seed 0 0 0x10; console_ram 0x28 6; } >"$out/console-write"
{ seed 1 0 0x10; zeros 40; } >"$out/time"
{ seed 2 0 0x10; zeros 72; } >"$out/exit-stats"
{ seed 3 0 0x10; halt_ram 7; } >"$out/halt"
{ seed 3 0 0x10; halt_ram 64; } >"$out/halt-bad-status"
# Edges, where off-by-one bugs live: a buffer ending at the last byte of
# RAM and the longest write (fine), a buffer straddling the end of RAM
# and one byte too long (refused), and a length that wraps.
{ seed 0 0 0x10; console_ram 0xfff0 0x10; } >"$out/console-end-of-ram"
{ seed 0 0 0x10; console_ram 0 0x10000; } >"$out/console-longest"
{ seed 0 0 0x10; console_ram 0xfff0 0x20; } >"$out/console-wild-buffer"
{ seed 0 0 0x10; console_ram 0x28 0x10001; } >"$out/console-too-long"
{ seed 0 0 0x10; console_ram 0x28 -0x28; } >"$out/console-wrap"
{ seed 9 0 0x10; zeros 24; } >"$out/unknown-call"
# A block filling the last bytes of RAM (fine: RAM past the input is
# zero), the header in the last 8 bytes and the body past it, and a
# header that wraps past 2^64.
seed 1 0 0xffe8 >"$out/block-last-bytes"
seed 2 0 0xfff8 >"$out/block-at-end"
{ seed 0 0 -4; console_ram 0x28 6; } >"$out/block-wild"
# Through the port bus: a 4-byte OUT (a call), a 4-byte IN, a 1-byte OUT.
{ seed 0 0x14 0x10; console_ram 0x28 6; } >"$out/port-out"
{ seed 1 0x04 0x10; zeros 40; } >"$out/port-in"
{ seed 3 0x11 0x10; halt_ram 0; } >"$out/port-narrow"
echo "$(ls "$out" | wc -l) seeds in $out"
