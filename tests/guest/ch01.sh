#!/bin/sh
# Chapter 1: the real-mode guest prints its greeting through port I/O and
# halts.  One IO exit per byte, in order, then exactly one HLT.
. "$(dirname "$0")/lib.sh"
need_kvm

greeting='Hello from real mode!
'
run_vmm "$BUILD/ch01" --trace "$TRACE" --stats
expect_status 0
expect_out "$greeting"

bytes=$(printf '%s' "$greeting" | wc -c)
expect_trace_count '"reason":"IO"' "$bytes"
expect_trace_count '"dir":"out","port":1016,"size":1' "$bytes"
expect_trace_count '"reason":"HLT"' 1
[ "$(trace_last_reason)" = HLT ] || fail "the last exit is not HLT"
[ "$(wc -l <"$TRACE")" -eq $((bytes + 1)) ] || fail "unexpected extra exits"

# The data of the IO exits, in order, is the greeting.
data=$(sed -n 's/.*"data":\([0-9]*\).*/\1/p' "$TRACE" |
	awk '{ printf "%c", $1 }')
[ "$data" = "Hello from real mode!" ] || fail "IO data spells '$data'"
# Sequence numbers count 1, 2, 3, ...
seqs=$(sed -n 's/^{"seq":\([0-9]*\),.*/\1/p' "$TRACE" | tr '\n' ' ')
[ "$seqs" = "$(seq 1 $((bytes + 1)) | tr '\n' ' ')" ] || fail "seq: $seqs"

# --stats: a table with the same counts.
grep -Eq "^  IO +$bytes " "$ERR" || fail "--stats lacks IO $bytes"
grep -Eq '^  HLT +1 ' "$ERR" || fail "--stats lacks HLT 1"
grep -Eq "^  IO out +0x3f8 +$bytes " "$ERR" || fail "--stats lacks port 0x3f8"
echo "ok: $bytes IO exits and one HLT"
