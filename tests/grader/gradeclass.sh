#!/bin/sh
# make grade-class on a made-up class of four (tests/gradeclass.list):
# chapter 2 (CH=02), whose graded tests take seconds, two at once (JOBS=2).
#
#   tests/grader/gradeclass.sh CASE
#
#   class      reference (31 points with the hidden example), student tree
#              (0), ch02-desc-encode done (its points), one that does not
#              build (0, with a note); a log per student; then run again:
#              every one kept and the CSV the same; then one file touched:
#              only that submission graded again
#   nohidden   the reference without HIDDEN: 30 points
#   mkclass    exercises/tools/mkclass.sh writes the mix it promises
#
# grade-class runs in a copy of this tree, $BUILD/tmp/gradeclass/tree,
# made afresh each time (its build/ kept): the base is keyed by the tree's
# contents, and an edit here while the test runs must not make its second
# run grade again.  The class lives under $BUILD/tmp/gradeclass too (the
# emulated machine shares the tree, not /tmp).
set -u
case=${1:?usage: gradeclass.sh CASE}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
dir=$BUILD/tmp/gradeclass/$case
copy=$BUILD/tmp/gradeclass/tree
mk=$BUILD/exercises/mkstudent
unset MAKEFLAGS MFLAGS MAKELEVEL T CH V SAN HIDDEN BUILD_FAILED GRADER_FLAGS
# Its last line is the runner's reason for the skip (verify-graders
# accepts this one in the student tree).
[ ! -f .kvmlab-student ] || {
	echo "reference tree only: grading a class needs the reference tree" \
		"and its solutions, and this is a student tree"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# points EXERCISE: its points in chapter 2's rubric.
points() {
	awk -v id="$1" '$1 ~ /^[0-9]+$/ && $2 == id { s += $4 }
		END { print s + 0 }' \
		exercises/02-*/rubric
}

# grade LOG [ARGS...]: make grade-class on $dir/subs into $dir/scores.csv.
grade() {
	log=$dir/$1
	shift
	echo "make grade-class CH=02 JOBS=2 $*"
	make -C "$copy" --no-print-directory BUILD=build grade-class \
		SUBMISSIONS="$dir/subs" CSV="$dir/scores.csv" CH=02 JOBS=2 \
		"$@" >"$log" 2>&1 || {
		cat "$log"
		fail "make grade-class failed"
	}
	sed 's/^/  | /' "$log"
}

# row NAME: NAME's row of the CSV.
row() {
	grep "^$1," "$dir/scores.csv" || fail "no row for $1 in the CSV"
}

# reference DEST: this tree's exercise files at their paths.
reference() {
	sh exercises/tools/tree-files.sh | "$mk" --list | cut -f2 |
		sed 's/:[0-9]*$//' | sort -u | while read -r f; do
		mkdir -p "$1/$(dirname "$f")"
		cp "$f" "$1/$f"
	done
}

mkdir -p "$BUILD/tmp/gradeclass"
exec 9>"$BUILD/tmp/gradeclass/lock"
flock 9
rm -rf "$dir"
mkdir -p "$dir/subs"
if [ "$case" != mkclass ]; then
	mkdir -p "$copy"
	find "$copy" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
	sh exercises/tools/tree-files.sh | while read -r f; do
		[ ! -e "$f" ] || echo "$f"
	done | tar -cf - -T - | tar -xf - -C "$copy" ||
		fail "the copy of the tree"
	make -C "$copy" --no-print-directory BUILD=build build/doctor \
		build/exercises/mkstudent >"$dir/tools.log" 2>&1 || {
		cat "$dir/tools.log"
		fail "the copy's doctor and mkstudent do not build"
	}
	cd "$copy" || exit 1
fi
case $case in
class)
	reference "$dir/subs/ref"
	sh exercises/tools/tree-files.sh | "$mk" "$dir/subs/student" \
		>/dev/null || fail "mkstudent"
	sh exercises/tools/tree-files.sh |
		"$mk" --done ch02-desc-encode "$dir/subs/one" >/dev/null ||
		fail "mkstudent --done"
	mkdir -p "$dir/subs/nobuild/kvmlab/x86"
	{ cat kvmlab/x86/modes.c; echo "int broken = ;"; } \
		>"$dir/subs/nobuild/kvmlab/x86/modes.c"

	grade first.log HIDDEN=exercises/hidden-example
	head -n 1 "$dir/scores.csv" | grep -q \
		'^submission,total,max,ch02-desc-encode,.*,note$' ||
		fail "the CSV's header: $(head -n 1 "$dir/scores.csv")"
	[ "$(wc -l <"$dir/scores.csv")" = 5 ] || fail "not 4 rows"
	cut -d, -f1 "$dir/scores.csv" | tr '\n' ' ' |
		grep -qx 'submission nobuild one ref student ' ||
		fail "the rows are not sorted by name"
	row ref | grep -q '^ref,31,31,6,' ||
		fail "the reference: $(row ref), not 31 of 31"
	row student | grep -q '^student,0,31,' ||
		fail "the student tree: $(row student), not 0"
	want=$(points ch02-desc-encode)
	row one | grep -q "^one,$want,31,$want,0,0,0," ||
		fail "one exercise done: $(row one), not its $want points"
	row nobuild | grep -q '^nobuild,0,31,.*,does not build$' ||
		fail "the submission that does not build: $(row nobuild)"
	for s in ref student one nobuild; do
		log=$dir/scores.csv.results/$s/grade.log
		grep -q "^== grade-class: $s: " "$log" 2>/dev/null ||
			fail "no log for $s with grade-class's line"
		[ -f "$dir/scores.csv.results/$s/done" ] || fail "$s not done"
	done
	grep -q 'nobuild: 0/31 in [0-9]* s (does not build)' "$dir/first.log" ||
		fail "no line for nobuild as it finished"
	for r in "$BUILD"/tmp/grade-class/run.*; do
		[ ! -e "$r" ] ||
			fail "the trees graded in were left in $BUILD/tmp/grade-class"
	done
	cp "$dir/scores.csv" "$dir/first.csv"

	grade again.log HIDDEN=exercises/hidden-example
	[ "$(grep -c ': graded already, kept$' "$dir/again.log")" = 4 ] ||
		fail "not every submission was kept"
	grep -q ' 0 graded, 4 kept' "$dir/again.log" || fail "the totals"
	cmp -s "$dir/scores.csv" "$dir/first.csv" ||
		fail "the CSV changed: $(diff "$dir/first.csv" "$dir/scores.csv")"

	touch "$dir/subs/one/kvmlab/x86/modes.c"
	grade touched.log HIDDEN=exercises/hidden-example
	grep -q '^one: ' "$dir/touched.log" || fail "one was not graded again"
	[ "$(grep -c ': graded already, kept$' "$dir/touched.log")" = 3 ] ||
		fail "not the 3 others kept"
	cmp -s "$dir/scores.csv" "$dir/first.csv" ||
		fail "the CSV changed: $(diff "$dir/first.csv" "$dir/scores.csv")"
	echo "ok: 31, 0, $want, 0 (does not build); kept on the second run;" \
		"only the touched one graded on the third"
	;;
nohidden)
	reference "$dir/subs/ref"
	grade first.log
	row ref | grep -q '^ref,30,30,' || fail "$(row ref), not 30 of 30"
	echo "ok: the reference without hidden tests: 30 of 30"
	;;
mkclass)
	BUILD=$BUILD sh exercises/tools/mkclass.sh --chapter 02 7 \
		"$dir/subs" >"$dir/names" || fail "mkclass.sh failed"
	tr '\n' ' ' <"$dir/names" | grep -qx '01-reference 02-student 03-done-ch02-desc-encode 04-files-ch02-desc-encode 05-nobuild 06-outside-ch02-desc-encode 07-reference ' ||
		fail "the names: $(tr '\n' ' ' <"$dir/names")"
	[ "$(find "$dir/subs" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 7 ] || fail "not 7 folders"
	cmp -s "$dir/subs/01-reference/kvmlab/x86/modes.c" kvmlab/x86/modes.c ||
		fail "the reference's modes.c is not this tree's"
	find "$dir/subs/04-files-ch02-desc-encode" -type f |
		grep -q 'kvmlab/x86/modes.c$' || fail "files-: no modes.c"
	tail -n 1 "$dir/subs/05-nobuild/chapters/01-real-mode/main.c" |
		grep -q 'broken' || fail "nobuild builds"
	grep -q '^02  *ch02-desc-encode  *[a-z-]*  *100 ' \
		"$dir/subs/06-outside-ch02-desc-encode/exercises/02-protected-mode/rubric" ||
		fail "outside-: the rubric was not edited"
	echo "ok: 7 submissions, each kind as promised"
	;;
*) fail "no case $case" ;;
esac
