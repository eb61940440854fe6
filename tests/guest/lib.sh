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

# A test that a `vmm` line names (tests/grader/spec.c) runs on the host
# with the emulated machine's exec command in $KVMLAB_VMM_EXEC: only what
# needs KVM goes through it (the probe below and run_vmm), and $TMP is in
# a folder the machine shares.  Elsewhere it is empty and they run here.
in_kvm() {
	${KVMLAB_VMM_EXEC:+"$KVMLAB_VMM_EXEC"} "$@"
}

# Skip (exit 77) unless a VM can be created here: /dev/kvm may be absent.
# Within one graded run (KVMLAB_RUN_CACHE) one probe that worked serves
# every test.
need_kvm() {
	[ -z "${KVMLAB_RUN_CACHE:-}" ] || [ ! -f "$KVMLAB_RUN_CACHE/kvm-ok" ] ||
		return 0
	in_kvm "$BUILD/doctor" --probe >"$TMP/probe" 2>&1 ||
		skip "needs KVM: $(tail -n 1 "$TMP/probe")"
	[ -z "${KVMLAB_RUN_CACHE:-}" ] || [ ! -d "$KVMLAB_RUN_CACHE" ] ||
		: >"$KVMLAB_RUN_CACHE/kvm-ok"
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

# run_key ARGS...: the folder in $KVMLAB_RUN_CACHE for a run of ARGS, or
# nothing when there is no cache.
run_key() {
	[ -n "${KVMLAB_RUN_CACHE:-}" ] && [ -d "$KVMLAB_RUN_CACHE" ] || return 0
	for a in "$@"; do
		printf '%s\n' "$a" | sed "s|$TMP|TMP|g"
		[ ! -f "$a" ] || cksum <"$a"
	done | cksum | { read -r sum size && echo "$KVMLAB_RUN_CACHE/$sum-$size"; }
}

# run_notes_size: the bytes in $KVMLAB_EXERCISE_LOG so far (0: none yet).
run_notes_size() {
	{ wc -c <"${KVMLAB_EXERCISE_LOG:-/dev/null}"; } 2>/dev/null || echo 0
}

# run_keep KEY BEFORE: keep this test's run (all of $TMP, STATUS, and the
# notes the run added to $KVMLAB_EXERCISE_LOG after its first BEFORE
# bytes) as KEY, whole or not at all.
run_keep() {
	rm -rf "$1.new"
	mkdir -p "$1.new/files" && cp -R "$TMP/." "$1.new/files/" &&
		echo "$STATUS" >"$1.new/status" &&
		{ tail -c +"$(($2 + 1))" "${KVMLAB_EXERCISE_LOG:-/dev/null}" \
			2>/dev/null || true; } >"$1.new/notes" &&
		mv "$1.new" "$1" 2>/dev/null || rm -rf "$1.new"
}

# run_vmm CMD...: run with stdin from /dev/null, capture everything.
#
# Graded tests often judge one run several ways (chapter 3's four enter-*
# tests all run boot64 --start32 on the same guest).  The runner names a
# folder in $KVMLAB_RUN_CACHE for graded tests, empty at the start of each
# `make check`: the first test to make a run keeps what it left in $TMP
# there, with its status and its notes in $KVMLAB_EXERCISE_LOG, and a
# later test that makes the same run gets them back instead of running
# the guest again.  The same run: the same arguments (with each test's
# own $TMP taken out) and the same contents of every file they name.
run_vmm() {
	echo "\$ $*" >&2
	key=$(run_key "$@")
	if [ -n "$key" ] && [ -f "$key/status" ]; then
		echo "(the same run as an earlier graded test's: its results," \
			"kept in $key)" >&2
		cp -R "$key/files/." "$TMP/"
		STATUS=$(cat "$key/status")
		[ -z "${KVMLAB_EXERCISE_LOG:-}" ] ||
			cat "$key/notes" >>"$KVMLAB_EXERCISE_LOG"
	else
		before=$(run_notes_size)
		in_kvm "$@" </dev/null >"$OUT" 2>"$ERR"
		STATUS=$?
		[ -z "$key" ] || [ "$STATUS" -ge 128 ] || run_keep "$key" "$before"
	fi
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
