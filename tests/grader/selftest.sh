#!/bin/sh
# The grader's own tests: the runner on made-up rubrics and lists (verdicts,
# points, STRICT, filters, a failed build, the results files, what a test
# leaves running, cmocka's summary), and mkstudent on made-up exercise
# regions, C's and the shell's (with verify-graders' one-exercise trees of
# them).   usage: selftest.sh runner|mkstudent
. "$(dirname "$0")/../guest/lib.sh"

runner=$BUILD/tests/runner
mkstudent=$BUILD/exercises/mkstudent
case $mkstudent in /*) ;; *) mkstudent=$PWD/$mkstudent ;; esac
verify=$(cd "$(dirname "$0")/../../exercises/tools" && pwd)/verify-graders.sh

expect_file_has() { # FILE TEXT
	grep -qF -- "$2" "$1" || fail "$1 lacks: $2"
}

# run_grader ARGS...: the runner on the fixture; output in $OUT.
run_grader() {
	T=$TMP "$runner" --logs "$TMP/logs" --results "$TMP/res" "$@" \
		"$TMP/fixture.list" "$TMP/rubric" >"$OUT" 2>"$ERR"
	STATUS=$?
}

# run_files ARGS... FILES...: the runner on other fixtures; output in $OUT.
run_files() {
	T=$TMP "$runner" --logs "$TMP/logs" --results "$TMP/res" "$@" \
		>"$OUT" 2>"$ERR"
	STATUS=$?
}

# gone PIDFILE: the process it names has ended and was reaped.  (Not
# pgrep: it sees the whole machine, another checkout's tests too.)
gone() {
	[ -s "$1" ] || fail "no $1: the test did not run"
	! kill -0 "$(cat "$1")" 2>/dev/null ||
		fail "process $(cat "$1") (from $1) outlived its test"
}

# What a test leaves in its process group is stopped, after it exits or
# at its timeout; SIGTERM comes first, so a trap can clean up.
runner_processes() {
	cat >"$TMP/left.sh" <<'SH'
#!/bin/sh
sleep 31.5 &
echo $! >"$T/left.pid"
SH
	cat >"$TMP/trap.sh" <<'SH'
#!/bin/sh
trap 'echo cleaned up >"$T/marker"; exit 1' TERM
sleep 31.75 &
wait
SH
	cat >"$TMP/stubborn.sh" <<'SH'
#!/bin/sh
trap '' TERM
sleep 32.25 &
echo $! >"$T/stubborn.pid"
wait
SH
	chmod +x "$TMP"/*.sh
	cat >"$TMP/procs.rubric" <<'RUBRIC'
09 ch09-p left 1 10 $T/left.sh
09 ch09-p trapped 1 1 $T/trap.sh
09 ch09-p stubborn 1 1 $T/stubborn.sh
RUBRIC
	start=$(date +%s)
	run_files "$TMP/procs.rubric"
	# Limits of 1s, a grace of 3s, sleeps of 31s: SIGKILL came in time.
	[ $(($(date +%s) - start)) -lt 20 ] ||
		fail "the grader waited for a group that ignores SIGTERM"
	[ "$(tail -n 1 "$OUT")" = "1 passed, 2 failed" ] ||
		fail "processes: $(tail -n 1 "$OUT")"
	expect_file_has "$TMP/res/scores.txt" "graded ch09-p/left PASS 1 1"
	gone "$TMP/left.pid"
	expect_file_has "$TMP/logs/ch09-p_left.log" \
		"grader: the test left processes running"
	[ -s "$TMP/marker" ] || fail "the TERM trap did not run at the timeout"
	expect_file_has "$TMP/res/scores.txt" "graded ch09-p/trapped TIMEOUT"
	# A group that ignores SIGTERM gets SIGKILL after the grace.
	gone "$TMP/stubborn.pid"
}

# A cmocka program passes only with cmocka's summary of a pass: status 0
# from code that exits early, or that covers a failure, is not enough.
runner_cmocka() {
	cat >"$TMP/early.c" <<'C'
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static const char *how = ""; /* what the code under test does */

static void passes(void **state) { (void)state; }
static void fails(void **state) { (void)state; fail_msg("it went wrong"); }
static void exits(void **state) { (void)state; exit(0); }

/* The trick: status 0 after cmocka counted a failure. */
__attribute__((destructor)) static void cover(void)
{
	if (!strcmp(how, "cover"))
		_exit(0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest all[] = {cmocka_unit_test(passes),
		cmocka_unit_test(fails), cmocka_unit_test(exits)};

	how = argc > 2 ? argv[2] : "";
	cmocka_set_test_filter(argv[1]);
	return _cmocka_run_group_tests("early", all, 3, NULL, NULL) ? 1 : 0;
}
C
	# shellcheck disable=SC2046 # pkg-config prints separate words
	${CC:-cc} -o "$TMP/early" "$TMP/early.c" \
		$(pkg-config --cflags --libs cmocka) >"$ERR" 2>&1 ||
		fail "cannot build the cmocka fixture: $(head -n 3 "$ERR")"
	cat >"$TMP/cmocka.rubric" <<'RUBRIC'
cmocka true
09 ch09-c passes 1 10 $T/early passes
09 ch09-c covered 1 10 $T/early fails cover
09 ch09-c exits 1 10 $T/early exits
09 ch09-c silent 1 10 true
RUBRIC
	run_files "$TMP/cmocka.rubric"
	[ "$(tail -n 1 "$OUT")" = "1 passed, 3 failed" ] ||
		fail "cmocka: $(tail -n 1 "$OUT")"
	expect_file_has "$TMP/res/scores.txt" "graded ch09-c/passes PASS 1 1"
	expect_file_has "$TMP/res/scores.txt" "graded ch09-c/covered FAIL 0 1"
	expect_out_has "-> check failed: it went wrong"
	# exits: cmocka's banner, no summary; silent: only the rubric says so.
	why="-> the test program ended without cmocka's summary (did the code"
	why="$why under test exit early?)"
	[ "$(grep -cF -- "$why" "$OUT")" = 2 ] ||
		fail "exits and silent did not both fail for the missing summary"
}

# KVMLAB_KVM_EXEC runs each test through it (the emulated machine), except
# those a `host` line names; a `host` line naming no test is malformed.
runner_kvm_exec() {
	cat >"$TMP/wrap.sh" <<'SH'
#!/bin/sh
echo "$*" >>"$T/wrapped"
exec "$@"
SH
	chmod +x "$TMP/wrap.sh"
	cat >"$TMP/kvm.list" <<'LIST'
k/inside   10  true
k/outside  10  true
host k/outside
LIST
	: >"$TMP/wrapped"
	KVMLAB_KVM_EXEC=$TMP/wrap.sh run_files "$TMP/kvm.list"
	expect_status 0
	[ "$(cat "$TMP/wrapped")" = true ] ||
		fail "KVMLAB_KVM_EXEC ran: $(cat "$TMP/wrapped") (expected: true, once)"
	echo "host k/nowhere" >>"$TMP/kvm.list"
	run_files "$TMP/kvm.list"
	expect_status 1
	expect_err_has "host: no test of that name above"
}

# Graded tests that make the same VMM run (tests/guest/lib.sh's run_vmm:
# the same arguments and files) share it through the runner's run cache,
# which is gone when the runner ends; an ungraded test never uses it.  A
# `vmm` test runs on the host and sends only its VMM runs through
# KVMLAB_KVM_EXEC.
runner_run_cache() {
	cat >"$TMP/vmm.sh" <<'SH'
#!/bin/sh
echo run >>"$T/runs"
echo "a guest ran"
SH
	cat >"$TMP/judge.sh" <<SH
#!/bin/sh
. "$PWD/tests/guest/lib.sh"
run_vmm "\$T/vmm.sh"
expect_out_has "a guest ran"
echo ok
SH
	chmod +x "$TMP/vmm.sh" "$TMP/judge.sh"
	cat >"$TMP/cache.rubric" <<'RUBRIC'
09 ch09-c one 1 10 $T/judge.sh
09 ch09-c two 1 10 $T/judge.sh
vmm ch09-c/one ch09-c/two
RUBRIC
	printf 'c/again 10 $T/judge.sh\n' >"$TMP/cache.list"
	: >"$TMP/runs"
	: >"$TMP/wrapped"
	KVMLAB_KVM_EXEC=$TMP/wrap.sh run_files "$TMP/cache.list" \
		"$TMP/cache.rubric"
	expect_status 0
	[ "$(wc -l <"$TMP/runs")" -eq 2 ] ||
		fail "the guest ran $(wc -l <"$TMP/runs") times, expected 2" \
			"(once for both graded tests, once for the ungraded one)"
	expect_file_has "$TMP/logs/ch09-c_two.log" "the same run as an earlier"
	[ ! -e "$TMP/res/run-cache" ] || fail "the run cache outlived the run"
	# The graded tests ran here, their VMM run in the "machine"; the
	# ungraded one ran in it whole.
	[ "$(grep -c 'vmm.sh$' "$TMP/wrapped")" -eq 1 ] &&
		[ "$(grep -c 'judge.sh$' "$TMP/wrapped")" -eq 1 ] ||
		fail "KVMLAB_KVM_EXEC ran: $(cat "$TMP/wrapped")"
	echo "vmm ch09-c/none" >>"$TMP/cache.rubric"
	run_files "$TMP/cache.rubric"
	expect_status 1
	expect_err_has "vmm: no test of that name above"
}

# mkstudent on the shell form, in a script with no extension (found by its
# "#!" line).  The fixtures' lines start with | here, cut off by sed: this
# file is a .sh, which mkstudent scans too, and must hold no region.
mkstudent_shell() {
	sed 's/^|//' >"$TMP/src/net" <<'EOF'
|#!/bin/bash
|exercise_todo() { echo "kvmlab: exercise $1 is not done yet: see $2"; exit 78; }
|up() {
|	# EXERCISE ch09-one: the first
|	if [ -z "${KVMLAB_STUBS-}" ]; then
|		if [ "$1" = a ]; then
|			echo ref-one-a
|		else
|			echo ref-one-b
|		fi
|		if [ -n "$1" ]; then :; fi
|	else # stub ch09-one
|		exercise_todo ch09-one exercises/09-x/README.md
|	fi # END EXERCISE ch09-one
|	echo between
|	# EXERCISE ch09-two: the second
|	if [ -z "${KVMLAB_STUBS-}" ]; then
|		echo ref-two
|	else # stub ch09-two
|		exercise_todo ch09-two exercises/09-x/README.md
|	fi # END EXERCISE ch09-two
|}
|up "$@"
EOF
	# The student's: each EXERCISE line and its stub, nothing more.
	sed 's/^|//' >"$TMP/net.student" <<'EOF'
|#!/bin/bash
|exercise_todo() { echo "kvmlab: exercise $1 is not done yet: see $2"; exit 78; }
|up() {
|	# EXERCISE ch09-one: the first
|		exercise_todo ch09-one exercises/09-x/README.md
|	echo between
|	# EXERCISE ch09-two: the second
|		exercise_todo ch09-two exercises/09-x/README.md
|}
|up "$@"
EOF
	chmod 750 "$TMP/src/net"
	# Found by its name; and a python script, whose text is plain text.
	sed -n '/# EXERCISE ch09-two/,/END EXERCISE ch09-two/p' \
		"$TMP/src/net" >"$TMP/src/x.sh"
	sed '1s|.*|#!/usr/bin/python3|' "$TMP/src/net" >"$TMP/src/net.py"
	sed '1s|.*|#!/usr/bin/env bash|' "$TMP/src/net" >"$TMP/src/net-env"
	printf 'a.c\nnet\nx.sh\nnet.py\nnet-env\n' >"$TMP/files"

	(cd "$TMP/src" && "$mkstudent" --list <"$TMP/files") >"$OUT" ||
		fail "--list of the shell form failed"
	expect_out "ch09-sum	a.c:3	add them up
ch09-one	net:4	the first
ch09-two	net:16	the second
ch09-two	x.sh:1	the second
ch09-one	net-env:4	the first
ch09-two	net-env:16	the second
"
	# The reference runs the reference; KVMLAB_STUBS=1 runs the stubs.
	STATUS=0
	bash "$TMP/src/net" a >"$OUT" 2>&1 || STATUS=$?
	expect_status 0
	expect_out "ref-one-a
between
ref-two
"
	STATUS=0
	KVMLAB_STUBS=1 bash "$TMP/src/net" a >"$OUT" 2>&1 || STATUS=$?
	expect_status 78
	expect_out_has "kvmlab: exercise ch09-one is not done yet: see"

	(cd "$TMP/src" && "$mkstudent" "$TMP/sh" <"$TMP/files") >/dev/null ||
		fail "mkstudent failed on the shell form"
	cmp -s "$TMP/net.student" "$TMP/sh/net" ||
		fail "the student's script differs:" \
			"$(diff "$TMP/net.student" "$TMP/sh/net")"
	bash -n "$TMP/sh/net" || fail "the student's script is not valid bash"
	[ "$(stat -c %a "$TMP/sh/net")" = 750 ] ||
		fail "the student's script has mode $(stat -c %a "$TMP/sh/net")"
	STATUS=0
	"$TMP/sh/net" a >"$OUT" 2>&1 || STATUS=$?
	expect_status 78
	expect_out "kvmlab: exercise ch09-one is not done yet: see exercises/09-x/README.md
"
	grep -q 'KVMLAB_STUBS' "$TMP/sh/x.sh" && fail "x.sh kept its reference"
	cmp -s "$TMP/src/net.py" "$TMP/sh/net.py" ||
		fail "a python script was rewritten"

	# Only one exercise stubbed (make verify-graders): the other runs.
	(cd "$TMP/src" && "$mkstudent" --only ch09-two "$TMP/sh2" \
		<"$TMP/files") >/dev/null || fail "--only ch09-two failed"
	bash -n "$TMP/sh2/net" || fail "--only ch09-two: not valid bash"
	STATUS=0
	"$TMP/sh2/net" a >"$OUT" 2>&1 || STATUS=$?
	expect_status 78
	expect_out "ref-one-a
between
kvmlab: exercise ch09-two is not done yet: see exercises/09-x/README.md
"
	cmp -s "$TMP/src/a.c" "$TMP/sh2/a.c" ||
		fail "--only ch09-two: a.c changed"

	# Every exercise a stub but one (a submission with one done).
	(cd "$TMP/src" && "$mkstudent" --done ch09-two "$TMP/sh3" \
		<"$TMP/files") >/dev/null || fail "--done ch09-two failed"
	bash -n "$TMP/sh3/net" || fail "--done ch09-two: not valid bash"
	STATUS=0
	"$TMP/sh3/net" a >"$OUT" 2>&1 || STATUS=$?
	expect_status 78
	expect_out "kvmlab: exercise ch09-one is not done yet: see exercises/09-x/README.md
"
	grep -q 'ref-two' "$TMP/sh3/net" || fail "--done ch09-two: its reference is gone"
	[ ! -f "$TMP/sh3/.kvmlab-student" ] ||
		fail "--done wrote .kvmlab-student: it is not the student tree"
	(cd "$TMP/src" && "$mkstudent" --done ch09-nope "$TMP/sh4" \
		<"$TMP/files") >/dev/null 2>&1 && fail "--done of no region passed"

	# Malformed regions are errors, at their line.
	bad_shell '/else # stub ch09-one/d' \
		'bad:13: exercise ch09-one: no "else # stub id" line'
	bad_shell 's/END EXERCISE ch09-one/END EXERCISE ch09-two/' \
		'bad:14: exercise ch09-one: the fi must say END EXERCISE and the same id'
	bad_shell 's/else # stub ch09-one/else # stub ch09-two/' \
		'bad:12: exercise ch09-one: the else must say'
	bad_shell '12s/$/ trailing/' 'bad:12: exercise ch09-one: the else must say'
	bad_shell '/else # stub ch09-two/a\	else # stub ch09-two' \
		'bad:20: exercise ch09-two: a second "else # stub"'
	bad_shell '5s/-z/-n/' \
		'bad:5: exercise ch09-one: the line after EXERCISE must be'
	bad_shell '14s/fi # END/fi; : # END/' \
		'bad:14: exercise ch09-one: END EXERCISE belongs on'
	bad_shell '/fi # END EXERCISE ch09-one/d' \
		'bad:15: exercise ch09-one: a region inside a region'
	bad_shell '/fi # END EXERCISE ch09-two/d' \
		'bad:16: exercise ch09-two: the region never ends'
}

# bad_shell SED WHAT: the fixture edited by SED fails mkstudent with WHAT.
bad_shell() {
	sed "$1" "$TMP/src/net" >"$TMP/src/bad"
	(cd "$TMP/src" && echo bad | "$mkstudent" --list) >"$OUT" 2>"$ERR" &&
		fail "a malformed region passed: sed '$1'"
	expect_err_has "$2"
}

# verify-graders' tree with one exercise stubbed (--one), on a made-up
# tree whose exercises are shell regions: its Makefile installs the script
# as b/net (so the stubbed tree rebuilds it from the reference's objects)
# and grades each exercise by running it.
verify_one() { # ID: run it; its result in $OUT
	rm -rf "$TMP/vg/x-$1"* "$TMP/vg/result-$1"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS sh "$verify" --one "$1" \
		"$TMP/vg" || fail "verify-graders --one $1 failed"
	cp "$TMP/vg/result-$1" "$OUT"
}

verify_graders_shell() {
	mkdir -p "$TMP/vg/ref"
	sed 's/^|//' >"$TMP/vg/ref/net" <<'EOF'
|#!/bin/sh
|exercise_todo() { echo "kvmlab: exercise $1 is not done yet: see $2" >&2; exit 78; }
|case $1 in
|one)
|	# EXERCISE ch09-one: the first
|	if [ -z "${KVMLAB_STUBS-}" ]; then
|		echo ok
|	else # stub ch09-one
|		exercise_todo ch09-one README
|	fi # END EXERCISE ch09-one
|	;;
|two)
|	# EXERCISE ch09-two: the second
|	if [ -z "${KVMLAB_STUBS-}" ]; then
|		echo ok
|	else # stub ch09-two
|		exercise_todo ch09-two README
|	fi # END EXERCISE ch09-two
|	;;
|esac
EOF
	# TWO_NEEDS_ONE=1: exercise two's test runs exercise one's code too.
	sed 's/^|//' >"$TMP/vg/ref/grade.sh" <<'EOF'
|t=0
|for id in one two; do
|	v=FAIL s=0
|	if [ "$(b/net $id)" = ok ] && { [ $id = one ] ||
|		[ -z "${TWO_NEEDS_ONE-}" ] || [ "$(b/net one)" = ok ]; }; then
|		v=PASS s=5
|	fi
|	echo "graded ch09-$id/t $v $s 5"
|	echo "exercise ch09-$id $s 5"
|	t=$((t + s))
|done
|echo "total $t 10"
EOF
	printf '%s\n' 'all: b/net' 'b/net: net' '	mkdir -p b && cp net $@' \
		'check-run:' \
		'	mkdir -p b/check && sh grade.sh >b/check/scores.txt' \
		>"$TMP/vg/ref/Makefile"
	chmod 755 "$TMP/vg/ref/net"
	printf 'Makefile\ngrade.sh\nnet\n' >"$TMP/vg/files"
	: >"$TMP/vg/hidden"
	cp "$mkstudent" "$TMP/vg/mkstudent"
	make -s -C "$TMP/vg/ref" BUILD=b all || fail "the made-up tree"

	verify_one ch09-two
	expect_out_has "ok ch09-two "
	expect_out_has " 5/10 points: lost its own 5"
	# Its stub is in the tree, installed: the other's reference is not.
	grep -q 'exercise_todo ch09-two' "$TMP/vg/x-ch09-two/b/net" ||
		fail "--one ch09-two did not rebuild b/net from the stub"
	[ -x "$TMP/vg/x-ch09-two/net" ] || fail "--one: net lost its x bit"
	# A test that needs another exercise: verify-graders catches it.
	export TWO_NEEDS_ONE=1
	verify_one ch09-one
	unset TWO_NEEDS_ONE
	expect_out_has "ch09-one: ch09-two lost 5 points;"

	# The whole of verify-graders on that tree (a git work tree of its
	# own, as tree-files.sh wants), from its build directory's mkstudent.
	mkdir -p "$TMP/vt/exercises/tools"
	cp "$TMP/vg/ref/Makefile" "$TMP/vg/ref/grade.sh" "$TMP/vg/ref/net" \
		"$TMP/vt"
	cp "$(dirname "$verify")/tree-files.sh" "$TMP/vt/exercises/tools"
	git -C "$TMP/vt" init -q || fail "git init"
	verify_all 0
	expect_out_has "verify-graders: every check passed"
	grep -Eq '^  ch09-two +5/10 points: lost its own 5$' "$OUT" ||
		fail "verify-graders did not revert ch09-two alone"
	export TWO_NEEDS_ONE=1
	verify_all 1
	unset TWO_NEEDS_ONE
	expect_out_has "PROBLEM: ch09-one: ch09-two lost 5 points;"
	# An "else # stub" on the reference's own else: the reference runs,
	# the student's script does not parse.
	sed -i -e '7s/.*/\t\tif true; then\n\t\t\techo ok/' \
		-e '9s/.*/\t\t\t:\n\t\tfi\n\telse\n\t\texercise_todo ch09-one R/' \
		"$TMP/vt/net"
	verify_all 1
	expect_out_has "PROBLEM: net is not valid sh in the student tree"
}

verify_all() { # STATUS: verify-graders in $TMP/vt; its output in $OUT
	STATUS=0
	(cd "$TMP/vt" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		TMPDIR="$TMP" sh "$verify" "$(dirname "$mkstudent")/..") \
		>"$OUT" 2>&1 || STATUS=$?
	expect_status "$1"
}

case ${1:-} in
runner)
	# Commands are words without quoting: each case is a small script.
	printf '#!/bin/sh\necho "ABORT: it went wrong"\nexit 1\n' >"$TMP/fail.sh"
	printf '#!/bin/sh\nsleep 31.25 &\necho $! >"$T/hang.pid"\nsleep 31.25\n' \
		>"$TMP/hang.sh"
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
	# The timeout stopped the whole process group, background child too.
	gone "$TMP/hang.pid"
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
	# A long path: the report quotes it (a buffer sized without it
	# overflowed when the tree lay deep).
	long=$TMP/a-folder-deep-enough-that-the-path-of-the-build-log-is-long
	mkdir -p "$long/and-longer-still"
	echo "cc1: error: it does not build" >"$long/and-longer-still/build.log"
	run_grader --build-failed "$long/and-longer-still/build.log"
	expect_status 1
	[ "$(tail -n 1 "$OUT")" = "0 passed, 6 failed" ] ||
		fail "build failed: $(tail -n 1 "$OUT")"
	expect_file_has "$TMP/res/results.json" "it does not build"
	# --note heads results.json's output (an autograder's word on the
	# submission), escaped, and is printed first.
	printf 'ignored: "Makefile"\\ changed\n\n' >"$TMP/note"
	run_grader --filter t/ok --note "$TMP/note"
	[ "$(head -n 1 "$OUT")" = 'ignored: "Makefile"\ changed' ] ||
		fail "--note: printed $(head -n 1 "$OUT")"
	expect_file_has "$TMP/res/results.json" \
		'"output": "ignored: \"Makefile\"\\ changed\n\n0 of 0 points'
	# --time-limit: a test gets what is left of the run's time at most,
	# and none starts once it is used up; the results are still written.
	printf 't/long 30 sleep 20\nt/next 30 true\n' >"$TMP/tl.list"
	"$runner" --time-limit 2 --logs "$TMP/tllogs" --results "$TMP/tlres" \
		"$TMP/tl.list" >"$OUT" 2>"$ERR"
	grep -q "^TIMEOUT t/long  *[12]\." "$OUT" ||
		fail "--time-limit 2 did not cut t/long at 2 s: $(head -n 1 "$OUT")"
	expect_out_has "not run: the time for the whole run (--time-limit)"
	expect_file_has "$TMP/tlres/scores.txt" "ungraded t/next TIMEOUT"
	# A malformed rubric line is reported and fails the run.
	echo "09 ch09-x" >>"$TMP/rubric"
	run_grader --filter t/ok
	expect_status 1
	expect_err_has "expected: CH EXERCISE TEST POINTS TIMEOUT COMMAND"
	runner_processes
	runner_cmocka
	runner_kvm_exec
	runner_run_cache
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
	mkstudent_shell
	verify_graders_shell
	;;
*)
	echo "usage: $0 runner|mkstudent"
	exit 2
	;;
esac
echo "ok: $1"
