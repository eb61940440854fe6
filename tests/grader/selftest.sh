#!/bin/sh
# The grader's own tests: the runner on a made-up rubric and list, and
# mkstudent on made-up exercise regions.   usage: selftest.sh runner|mkstudent
. "$(dirname "$0")/../guest/lib.sh"

runner=$BUILD/tests/runner
mkstudent=$BUILD/exercises/mkstudent
case $mkstudent in /*) ;; *) mkstudent=$PWD/$mkstudent ;; esac

expect_file_has() { # FILE TEXT
	grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# run_grader ARGS...: the runner on the fixture; output in $OUT.
run_grader() {
	T=$TMP "$runner" --logs "$TMP/logs" --results "$TMP/res" "$@" \
		"$TMP/fixture.list" "$TMP/rubric" >"$OUT" 2>"$ERR"
	STATUS=$?
}

case ${1:-} in
runner)
	# Commands are words without quoting: each case is a small script.
	printf '#!/bin/sh\necho "ABORT: it went wrong"\nexit 1\n' >"$TMP/fail.sh"
	printf '#!/bin/sh\nsleep 31.25 &\nsleep 31.25\n' >"$TMP/hang.sh"
	printf '#!/bin/sh\necho no such thing here\nexit 77\n' >"$TMP/skip.sh"
	printf '#!/bin/sh\necho "kvmlab: exercise ch09-x is not done yet: see x"\nexit 78\n' \
		>"$TMP/stub.sh"
	chmod +x "$TMP"/*.sh
	cat >"$TMP/rubric" <<'EOF'
# CH EXERCISE TEST POINTS TIMEOUT COMMAND
reread ch09-x chapter 9, "Somewhere to reread"
09 ch09-x pass 2 10 true
09 ch09-x fail 3 10 $T/fail.sh
09 ch09-y hang 1 1 $T/hang.sh
09 ch09-y skip 1 10 $T/skip.sh
EOF
	cat >"$TMP/fixture.list" <<'EOF'
t/ok 10 true
t/stub 10 $T/stub.sh
EOF
	run_grader
	expect_status 1
	[ "$(tail -n 1 "$OUT")" = "2 passed, 2 failed, 2 skipped" ] ||
		fail "last line: $(tail -n 1 "$OUT")"
	expect_out_has "needs exercise ch09-x, which is not done yet"
	expect_out_has "-> ABORT: it went wrong"
	expect_out_has 'reread chapter 9, "Somewhere to reread"'
	expect_out_has "TIMEOUT     0/1"
	grep -Eq "^ +total +2/7$" "$OUT" || fail "the total is not 2/7"
	# The timeout killed the whole process group, background child too.
	! pgrep -f 'sleep 31.25' >/dev/null || fail "a timed-out child lives on"
	expect_file_has "$TMP/res/scores.txt" "exercise ch09-x 2 5"
	expect_file_has "$TMP/res/scores.txt" "graded ch09-y/hang TIMEOUT 0 1"
	expect_file_has "$TMP/res/results.json" '"score": 2,'
	expect_file_has "$TMP/res/results.json" '"status": "failed"'
	expect_file_has "$TMP/res/junit.xml" 'failures="2"'
	expect_file_has "$TMP/res/results.tap" "1..6"
	expect_file_has "$TMP/res/results.tap" "# SKIP no such thing here"

	STRICT=1 run_grader
	[ "$(tail -n 1 "$OUT")" = "2 passed, 4 failed" ] ||
		fail "STRICT=1: $(tail -n 1 "$OUT")"
	run_grader --chapter 9 --filter ch09-x
	[ "$(tail -n 1 "$OUT")" = "1 passed, 1 failed" ] ||
		fail "CH=09 T=ch09-x: $(tail -n 1 "$OUT")"
	echo "cc1: error: it does not build" >"$TMP/build.log"
	run_grader --build-failed "$TMP/build.log"
	expect_status 1
	[ "$(tail -n 1 "$OUT")" = "0 passed, 6 failed" ] ||
		fail "build failed: $(tail -n 1 "$OUT")"
	expect_file_has "$TMP/res/results.json" "it does not build"
	# A malformed rubric line is reported and fails the run.
	echo "09 ch09-x" >>"$TMP/rubric"
	run_grader --filter t/ok
	expect_status 1
	expect_err_has "expected: CH EXERCISE TEST POINTS TIMEOUT COMMAND"
	;;
mkstudent)
	mkdir -p "$TMP/src"
	cat >"$TMP/src/a.c" <<'EOF'
int f(void)
{
	/* EXERCISE ch09-sum: add them up */
#ifndef KVMLAB_STUBS
#if 1
	return 42;
#endif
#else
	return -1; /* stub */
#endif /* END EXERCISE ch09-sum */
}
EOF
	(cd "$TMP/src" && echo a.c | "$mkstudent" --list) >"$OUT" ||
		fail "--list failed"
	expect_out_has "ch09-sum	a.c:3	add them up"
	(cd "$TMP/src" && echo a.c | "$mkstudent" "$TMP/st") \
		>/dev/null || fail "mkstudent failed"
	grep -q 'return -1; /\* stub \*/' "$TMP/st/a.c" || fail "no stub"
	grep -q 'return 42\|KVMLAB_STUBS' "$TMP/st/a.c" && fail "reference kept"
	grep -q 'EXERCISE ch09-sum: add them up' "$TMP/st/a.c" ||
		fail "the EXERCISE line is gone"
	[ -f "$TMP/st/.kvmlab-student" ] || fail "no .kvmlab-student"
	(cd "$TMP/src" && echo a.c | "$mkstudent" --only ch09-nope \
		"$TMP/st2") >/dev/null 2>&1 && fail "--only of no region passed"
	# Malformed: the #endif names another exercise.
	sed 's/END EXERCISE ch09-sum/END EXERCISE ch09-other/' \
		"$TMP/src/a.c" >"$TMP/src/b.c"
	(cd "$TMP/src" && echo b.c | "$mkstudent" --list) \
		>/dev/null 2>"$ERR" && fail "a mismatched END passed"
	expect_err_has "b.c:10: exercise ch09-sum"
	;;
*)
	echo "usage: $0 runner|mkstudent"
	exit 2
	;;
esac
echo "ok: $1"
