# Helpers for kvmlab's guest tests (sourced by tests/guest/*.sh).
#
# A test runs a chapter binary with run_vmm, then asserts on its exit
# status, its console text (stdout), its messages (stderr) and its --trace
# exit log.  The first failed assertion prints what was expected and what
# came, and exits 1; `skip REASON` exits 77 (the runner's SKIP).
set -u

BUILD=${BUILD:-build}
GB=${GB:-build/guest}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# dash runs the EXIT trap on a signal only if a signal trap exits: the
# grader's TERM at a timeout must still remove $TMP.
trap 'exit 1' INT TERM HUP
OUT=$TMP/stdout
ERR=$TMP/stderr
TRACE=$TMP/trace.json
STATUS=0

fail() {
	echo "FAIL: $*"
	echo "--- stdout ---"; head -c 4000 "$OUT" 2>/dev/null
	echo "--- stderr ---"; head -c 4000 "$ERR" 2>/dev/null
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

# A chapter binary that runs a VMM exercise stub (in the student tree)
# stops at once and notes it in $KVMLAB_EXERCISE_LOG, which the runner
# sets; a guest's stub is noted by run_vmm (note_guest_stub, below).
# A test that waits for output calls stub_check in its loop, so it stops
# at once too instead of waiting out its deadline.
stub_check() {
	[ -s "${KVMLAB_EXERCISE_LOG:-/nonexistent}" ] || return 0
	fail "the VMM ran a stub: $(head -n 1 "$KVMLAB_EXERCISE_LOG")"
}

# Skip (exit 77) unless a VM can be created here: /dev/kvm may be absent.
need_kvm() {
	"$BUILD/doctor" --probe >"$TMP/probe" 2>&1 ||
		skip "needs KVM: $(tail -n 1 "$TMP/probe")"
}

# note_guest_stub: call once a chapter binary has ended, its status in
# STATUS.  Status 78 (ABI_STATUS_EXERCISE) with nothing noted in
# $KVMLAB_EXERCISE_LOG came from the guest: a guest exercise stub wrote 78
# to the debug-exit port, and the VMM, which knows nothing of the labs,
# passed it on.  Note it as "guest" (the grader's diagnosis then says "in
# guest code"), as exercises/lib/exercise.c notes a VMM stub, which has
# noted itself already.  No log set (outside the grader): nothing to do.
note_guest_stub() {
	[ "${STATUS:-0}" -eq 78 ] 2>/dev/null || return 0
	[ -n "${KVMLAB_EXERCISE_LOG:-}" ] || return 0
	[ -s "$KVMLAB_EXERCISE_LOG" ] && return 0
	echo guest >>"$KVMLAB_EXERCISE_LOG" 2>/dev/null || true
}

# run_vmm CMD...: run with stdin from /dev/null, capture everything.
run_vmm() {
	echo "\$ $*" >&2
	"$@" </dev/null >"$OUT" 2>"$ERR"
	STATUS=$?
	[ "$STATUS" -lt 128 ] || fail "$1 was killed by signal $((STATUS - 128))"
	note_guest_stub
	grep -q 'Sanitizer' "$ERR" && fail "the sanitizer reported an error"
	return 0
}

expect_status() {
	[ "$STATUS" -eq "$1" ] || fail "exit status $STATUS, expected $1"
}

expect_out() {          # exact console text
	printf '%s' "$1" | cmp -s - "$OUT" ||
		fail "console text differs from: $(printf '%s' "$1" | od -c | head -5)"
}

expect_out_has() {
	grep -qF -- "$1" "$OUT" || fail "console lacks: $1"
}

expect_err_has() {
	grep -qF -- "$1" "$ERR" || fail "messages lack: $1"
}

# trace_count FILTER: exits in the trace whose JSON line holds FILTER.
trace_count() {
	grep -cF -- "$1" "$TRACE" || true
}

expect_trace_count() {  # FILTER N
	n=$(trace_count "$1")
	[ "$n" -eq "$2" ] || fail "trace: $n exits matching $1, expected $2"
}

# The reason of the last exit in the trace.
trace_last_reason() {
	tail -n 1 "$TRACE" | sed -n 's/.*"reason":"\([A-Z_]*\)".*/\1/p'
}
