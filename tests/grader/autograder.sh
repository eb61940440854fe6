#!/bin/sh
# Gradescope's autograder (make gradescope) run outside Gradescope, as
# Gradescope runs it: autograder.zip unpacked into a made-up /autograder
# (KVMLAB_AUTOGRADER), setup.sh once, then run_autograder on a submission
# in its submission/ folder, and results/results.json read back.
#
#   tests/grader/autograder.sh CASE     (tests/autograder.list)
#
# The zip grades chapter 2 with the hidden example (31 points): a chapter
# whose graded tests take seconds, so each case is mostly its build.  The
# made-up root lives under $BUILD/tmp (the emulated machine shares the
# tree, not /tmp) and is set up again whenever the zip's contents change.
# CASE: package, reference, student, one-exercise, no-build, outside.
set -u
case=${1:?usage: autograder.sh CASE}
top=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
dir=$BUILD/tmp/autograder
root=$dir/root
CH=02 MAX=31
# Its last line is the runner's reason for the skip (verify-graders
# accepts this one in the student tree).
[ ! -f .kvmlab-student ] || {
	echo "reference tree only: the autograder is made from the reference" \
		"tree and its solutions, and this is a student tree"
	exit 77
}
mkdir -p "$dir"

fail() {
	echo "FAIL: $*"
	exit 1
}

# The zip, and the root set up from it (once for its contents).
prepare() {
	sh exercises/gradescope/package.sh "$dir/zip" "$CH" \
		exercises/hidden-example >"$dir/package.log" 2>&1 || {
		cat "$dir/package.log"
		fail "make gradescope failed"
	}
	sum=$(unzip -p "$dir/zip/autograder.zip" | cksum)
	[ "$(cat "$dir/root.sum" 2>/dev/null)" = "$sum" ] &&
		[ -x "$root/run_autograder" ] && return 0
	rm -rf "$root" "$dir/root.sum"
	mkdir -p "$root/source"
	unzip -q "$dir/zip/autograder.zip" -d "$root/source" ||
		fail "the zip does not unpack"
	echo "setup.sh (as Gradescope runs it once) ..."
	(cd "$root/source" && KVMLAB_AUTOGRADER=$root sh ./setup.sh) \
		>"$dir/setup.log" 2>&1 || {
		tail -n 20 "$dir/setup.log"
		fail "setup.sh failed (its log: $dir/setup.log)"
	}
	[ ! -e "$root/source/kvmlab" ] ||
		fail "setup.sh left the reference tree (the solutions) in the image"
	cp "$root/source/run_autograder" "$root/run_autograder"
	echo "$sum" >"$dir/root.sum"
}

# grade NAME: run_autograder on the submission made in $root/submission.
grade() {
	rm -rf "$root/results" "$root/work"
	echo "run_autograder: $1"
	KVMLAB_AUTOGRADER=$root sh "$root/run_autograder" >"$dir/$1.log" 2>&1
	status=$?
	json=$root/results/results.json
	[ "$status" = 0 ] || fail "run_autograder exited $status (log: $dir/$1.log)"
	[ -s "$json" ] || fail "no results.json (log: $dir/$1.log)"
	score=$(sed -n 's/^  "score": \([0-9.]*\),$/\1/p' "$json")
	max=$(sed -n 's/.*"max_score": \([0-9.]*\).*/\1/p' "$json" |
		awk '{ s += $1 } END { print s + 0 }')
	tests=$(grep -c '"max_score"' "$json")
	timeouts=$(grep -c '"output": "TIMEOUT' "$json")
	output=$(sed -n 's/^  "output": "\(.*\)",$/\1/p' "$json")
	echo "  score $score of $max, $tests tests, $timeouts timeouts"
	echo "  output: $(echo "$output" | cut -c1-300)"
}

# sub_files FROM: the exercise files of tree FROM, at their paths.
sub_files() {
	rm -rf "$root/submission"
	mkdir -p "$root/submission"
	while read -r f; do
		mkdir -p "$root/submission/$(dirname "$f")"
		cp "$1/$f" "$root/submission/$f"
	done <"$root/source/base/.kvmlab-grade/files"
}

# points EXERCISE: its points in chapter $CH's rubric.
points() {
	awk -v id="$1" -v ch="$CH" '$1 == ch && $2 == id { s += $4 }
		END { print s + 0 }' \
		exercises/"$CH"-*/rubric
}

if [ "$case" = package ]; then
	sh exercises/gradescope/package.sh "$dir/bad" 99 >"$dir/bad.log" 2>&1 &&
		fail "make gradescope CH=99 succeeded"
	grep -q "CH=99" "$dir/bad.log" || fail "CH=99 refused without naming it"
	sh exercises/gradescope/package.sh "$dir/zip" "$CH" \
		exercises/hidden-example || fail "make gradescope failed"
	unzip -Z "$dir/zip/autograder.zip" >"$dir/listing" ||
		fail "not a zip"
	for f in setup.sh run_autograder; do
		grep -q "^-rwx.* $f\$" "$dir/listing" ||
			fail "$f is not at the zip's root, executable"
	done
	for f in config kvmlab/Makefile kvmlab/exercises/tools/grade-one.sh \
		hidden/hidden.rubric; do
		grep -q " $f\$" "$dir/listing" || fail "the zip has no $f"
	done
	unzip -p "$dir/zip/autograder.zip" config | grep -qx "CH=$CH" ||
		fail "config does not say CH=$CH"
	grep -q " kvmlab/build" "$dir/listing" && fail "the zip holds a build"
	echo "ok: autograder.zip: $(wc -l <"$dir/listing") lines of listing," \
		"setup.sh and run_autograder executable, CH=$CH, hidden tests"
	exit 0
fi

exec 9>"$dir.lock"
flock 9
prepare
ex=$root/source/base/.kvmlab-grade/files
case $case in
reference)
	sub_files "$top"
	grade reference
	[ "$max" = "$MAX" ] || fail "the tests are worth $max, not $MAX"
	[ "$score" = "$MAX" ] || fail "the reference scored $score of $MAX"
	grep -q '"status": "failed"' "$json" && fail "a test failed"
	;;
student)
	sub_files "$root/source/base"
	grade student
	[ "$max" = "$MAX" ] || fail "the tests are worth $max, not $MAX"
	[ "$score" = 0 ] || fail "the student tree scored $score"
	[ "$timeouts" = 0 ] || fail "$timeouts tests timed out: a stub must fail fast"
	grep -q '"status": "passed"' "$json" && fail "a test passed"
	;;
one-exercise)
	# The whole tree inside a folder, as an unpacked archive holds it.
	rm -rf "$root/submission" "$dir/done"
	(sh exercises/tools/tree-files.sh |
		"$BUILD/exercises/mkstudent" --done ch02-desc-encode \
			"$dir/done/kvmlab-lab2") >/dev/null || fail "mkstudent --done"
	mv "$dir/done" "$root/submission"
	grade one-exercise
	want=$(points ch02-desc-encode)
	[ "$score" = "$want" ] ||
		fail "one exercise done scored $score, not its $want points"
	echo "$output" | grep -q "the tree in kvmlab-lab2/" ||
		fail "the tree inside kvmlab-lab2/ was not found"
	;;
no-build)
	# One file, uploaded flat, that does not compile.
	rm -rf "$root/submission"
	mkdir -p "$root/submission"
	f=$(grep -m 1 'x86/modes.c$' "$ex") || fail "no modes.c exercise file"
	{ cat "$f"; echo "int broken = ;"; } >"$root/submission/modes.c"
	grade no-build
	[ "$score" = 0 ] || fail "a submission that does not build scored $score"
	[ "$max" = "$MAX" ] || fail "the tests are worth $max, not $MAX"
	echo "$output" | grep -q "taken: modes.c as $f" ||
		fail "the flat modes.c was not taken as $f"
	echo "$output" | grep -q "DOES NOT BUILD.*modes.c" ||
		fail "the message does not say it does not build, with the error"
	;;
outside)
	# One exercise done, and a rubric that would give it 100 points.
	rm -rf "$root/submission" "$dir/done"
	(sh exercises/tools/tree-files.sh |
		"$BUILD/exercises/mkstudent" --done ch02-desc-encode \
			"$dir/done") >/dev/null || fail "mkstudent --done"
	rubric=$(ls exercises/"$CH"-*/rubric)
	sed 's/^\(02  *ch02-desc-encode  *[a-z-]*  *\)[0-9]*/\1100/' \
		"$rubric" >"$dir/done/$rubric"
	cmp -s "$rubric" "$dir/done/$rubric" && fail "the rubric was not changed"
	mv "$dir/done" "$root/submission"
	grade outside
	want=$(points ch02-desc-encode)
	[ "$score" = "$want" ] || fail "scored $score, not the exercise's $want"
	echo "$output" | grep -q "ignored: .*$rubric" ||
		fail "the changed rubric is not named as ignored"
	;;
*) fail "no case $case" ;;
esac
echo "ok: $case: $score of $max points"
