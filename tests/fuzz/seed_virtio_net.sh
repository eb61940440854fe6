#!/bin/sh
# Write the seed corpus of tests/fuzz/fuzz_virtio_net.c into
# tests/fuzz/corpus/virtio_net/: small driver sessions, good and bad,
# so the fuzzer starts from runs that reach the data path both ways and
# every check, and mutates their rings, registers and frames.  The
# files are committed; run this again only when the input format (the
# top of fuzz_virtio_net.c) changes.
#
#   sh tests/fuzz/seed_virtio_net.sh
#
# A seed is: one byte of flags (bit 0: EVENT_IDX offered), then
# operations, an opcode and its little-endian arguments each.  The
# setup operation (5) puts queue 0 (RX) at 0x1000/0x3000/0x4000 and
# queue 1 (TX) at 0x6000/0x8000/0x9000; buffers go from 0xa000.
set -eu

out=$(dirname "$0")/corpus/virtio_net
mkdir -p "$out"
rm -f "$out"/*

# byte N...: each number as one byte.
byte() {
	for b in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf %03o "$(($b & 255))")"
	done
}
u16() { byte $(($1 & 255)) $((($1 >> 8) & 255)); }
u32() { u16 $(($1 & 65535)); u16 $((($1 >> 16) & 65535)); }
u64() { u32 $(($1 & 4294967295)); u32 $((($1 >> 32) & 4294967295)); }

# The operations (fuzz_virtio_net.c's list).
w() { byte 0 $(($1 / 4)) 0; u32 "$2"; }	      # w REG VALUE
r() { byte 1 $(($1 / 4)) 0; }		      # r REG
rw() { byte 1 "$1" "$2"; }		      # rw OFF SIZECODE
kick() { byte 2 "$1"; }			      # kick QUEUE
frame() { byte 3; u16 "$1"; byte "$2"; }      # frame LEN FILL
rx() { byte 4; }
setup() { byte 5 "$1" "$2" "$3"; }	      # setup FEAT SIZE0 SIZE1 (log2)
desc() { byte 7 "$1" "$2"; u16 "$3"; u16 "$4"; byte "$5" "$6"; }
offer() { byte 8 "$1"; u16 "$2"; }	      # offer QUEUE HEAD
want() { byte 9; }
# poke16 ADDR VALUE: a 16-bit value written into RAM by the driver.
poke16() { byte 6; u16 "$1"; byte 2; u16 "$2"; }
# pokedesc QUEUE I ADDR LEN FLAGS NEXT: a descriptor with a 64-bit address.
pokedesc() {
	base=$((0x1000 + 0x5000 * $1 + 16 * $2))
	byte 6; u16 $base; byte 16; u64 "$3"; u32 "$4"; u16 "$5"; u16 "$6"
}

NEXT=1 WRITE=2 INDIRECT=4
HDR=12

# A TX frame: header and frame in two descriptors, then a kick.
tx_chain() { desc 1 "$1" 0xa000 $HDR $NEXT $(($1 + 1));
	desc 1 $(($1 + 1)) 0xa100 "$2" 0 0; offer 1 "$1"; }
# An RX buffer of LEN writable bytes at descriptor I.
rx_buf() { desc 0 "$1" $((0xb000 + 0x800 * $1)) "$2" $WRITE 0; offer 0 "$1"; }

{ byte 1; setup 1 4 4; tx_chain 0 60; w 0x050 1; } >"$out/tx-one"
{ byte 1; setup 1 4 4; rx_buf 0 1526; frame 72 0xab; rx; } >"$out/rx-one"
{ byte 1; setup 1 3 3; tx_chain 0 60; tx_chain 2 1514; tx_chain 4 14
  kick 1; rx_buf 0 1526; rx_buf 1 1526; frame 100 1; frame 1526 2
  frame 60 3; rx; } >"$out/both-ways"
{ byte 1; setup 1 4 4; rx_buf 0 1526; frame 100 1; frame 100 2
  frame 100 3; rx; want; rx_buf 1 1526; kick 0; want; rx; } \
	>"$out/rx-exhaustion"
{ byte 1; setup 1 4 4; rx_buf 0 100; frame 200 1; frame 50 2
  frame 2000 3; frame 5 4; rx; } >"$out/rx-too-large"
{ byte 1; setup 1 4 4; desc 1 0 0xa000 $HDR 0 0; offer 1 0
  desc 1 1 0xa000 8 0 0; offer 1 1
  desc 1 2 0xa000 1600 0 0; offer 1 2
  desc 1 3 0xa000 $HDR $NEXT 4; desc 1 4 0xa100 60 $WRITE 0; offer 1 3
  kick 1; } >"$out/tx-bad-chains"
{ byte 0; setup 0 8 8; tx_chain 0 60; kick 1; rx_buf 0 1526
  frame 80 7; rx; poke16 0x3000 1; rx_buf 1 1526; frame 80 8; rx; } \
	>"$out/no-event-idx"
{ byte 1; setup 1 4 4; poke16 $((0x3004 + 2 * 16)) 1; tx_chain 0 60
  kick 1; rx_buf 0 1526; frame 60 1; rx; rx_buf 1 1526; frame 60 2
  rx; } >"$out/event-idx-suppressed"
# RX buffers over the RX used ring: frames overwrite the used entries
# written before them (the guest's doing, not a broken promise).
{ byte 1; setup 1 4 4; desc 0 0 0xb000 1526 $WRITE 0; offer 0 0
  desc 0 1 0x3f00 1526 $WRITE 0; offer 0 1; frame 60 1; frame 1084 2
  rx; } >"$out/rx-over-used-ring"
# The same, with the first frame over TX's descriptor table: no walk
# tells the buffers of the used entries after it, so none is read.
{ byte 1; setup 1 4 4; desc 0 0 0x6000 1526 $WRITE 0
  desc 0 1 0x3f00 1526 $WRITE 0; offer 0 0; offer 0 1; offer 0 0
  offer 0 1; frame 60 1; frame 60 2; frame 60 3; frame 1084 4; rx; } \
	>"$out/rx-over-table-and-used-ring"
# Rings a driver gets wrong.
{ byte 1; setup 1 2 2; desc 1 0 0xa000 $HDR $NEXT 1
  desc 1 1 0xa100 60 $NEXT 0; offer 1 0; kick 1; } >"$out/bad-loop"
{ byte 1; setup 1 4 4; offer 1 99; kick 1; } >"$out/bad-head"
{ byte 1; setup 1 4 4; desc 1 0 0xa000 $HDR $NEXT 77; offer 1 0
  kick 1; } >"$out/bad-next"
{ byte 1; setup 1 4 4; desc 0 0 0xb000 100 $((WRITE | NEXT)) 1
  desc 0 1 0xb100 100 0 0; offer 0 0; frame 60 1; rx; } \
	>"$out/bad-readable-after-writable"
{ byte 1; setup 1 4 4; pokedesc 1 0 0xfff4 $HDR $NEXT 1
  desc 1 1 0xa100 60 0 0; offer 1 0; kick 1; } >"$out/tx-end-of-ram"
{ byte 1; setup 1 4 4; pokedesc 1 0 0xfff8 $HDR $NEXT 1
  desc 1 1 0xa100 60 0 0; offer 1 0; kick 1; } >"$out/bad-end-of-ram"
{ byte 1; setup 1 4 4; pokedesc 1 0 -8 256 0 0; offer 1 0; kick 1; } \
	>"$out/bad-wrap"
{ byte 1; setup 1 4 4; desc 1 0 0xa000 0 $((WRITE | NEXT)) 1
  desc 1 1 0xa100 60 0 0; offer 1 0; kick 1; } \
	>"$out/bad-readable-after-empty-writable"
{ byte 1; setup 1 4 4; desc 1 0 0xa000 72 $INDIRECT 0; offer 1 0
  kick 1; } >"$out/bad-indirect"
{ byte 1; setup 1 4 4; poke16 0x8002 17; kick 1; } >"$out/bad-avail-jump"
{ byte 1; setup 1 4 4; offer 1 99; kick 1; setup 1 4 4; poke16 0x8002 0
  tx_chain 0 60; kick 1; } >"$out/reset-after-broken"
# The registers by hand: identity, negotiation, queue setup, widths.
{ byte 1; r 0; r 4; r 8; r 0xc; w 0x14 0; r 0x10; w 0x14 1; r 0x10
  w 0x70 1; w 0x70 3; w 0x24 0; w 0x20 0x20010020; w 0x24 1; w 0x20 1
  w 0x70 11; r 0x70; w 0x30 1; r 0x34; w 0x38 16; w 0x80 0x6000
  w 0x84 0; w 0x90 0x8000; w 0x94 0; w 0xa0 0x9000; w 0xa4 0
  w 0x44 1; r 0x44; w 0x70 15; r 0x60; w 0x64 3; r 0xfc
  rw 0x40 0; rw 0x44 4; rw 0x46 5; rw 0x46 0; rw 0x00 4; rw 0x00 6
  rw 0x1c 7; w 0x50 1; w 0x50 7; } >"$out/registers"
{ byte 1; w 0x70 1; w 0x70 5; r 0x70; w 0x70 0; w 0x70 1; w 0x70 3
  w 0x24 0; w 0x20 0x8000; w 0x70 11; r 0x70; w 0x70 15; } \
	>"$out/status-out-of-order"
{ byte 1; setup 1 4 4; w 0x30 0; w 0x38 32; w 0x80 0; w 0x44 0
  w 0x38 3; w 0x30 5; w 0x38 4; } >"$out/queue-rules"
{ byte 1; setup 3 4 4; setup 4 4 4; setup 9 4 4; w 0x70 15; } \
	>"$out/features-refused"
echo "$(ls "$out" | wc -l) seeds in $out"
