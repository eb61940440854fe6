#!/bin/sh
# make verify-graders: prove that the rubrics grade what they claim.
#
#   1. the reference tree scores full marks: no graded test fails or skips;
#   2. the student tree builds and its scripts with regions parse (sh -n,
#      bash -n); every graded test FAILs, and quickly (their limits cut by
#      TIMEOUT_SCALE=0.25, so a stub that hangs shows as a TIMEOUT); no
#      ungraded test fails (one that needs an exercise skips, naming it;
#      one that needs the solutions skips, "reference tree only: ...");
#   3. for each exercise, a tree with only that exercise reverted to its
#      stub loses exactly that exercise's points, all of them.
#
# Every tree is a copy in a temporary directory (kept when a check fails),
# built with BUILD=b.  The per-exercise trees start from the reference's
# objects, rebuild only what their stub changed, and run several at once.
# The reference's ungraded tests are `make check`'s business, not this.
#
#   usage: verify-graders.sh BUILD [HIDDEN]   (from the top of the tree)
#          verify-graders.sh --one ID TMP      (internal: one exercise)
set -u

jobs=$(nproc 2>/dev/null || echo 2)

# grade TREE SCORES [VAR=VALUE...]: run the grader in TREE with those
# settings in its environment and keep its scores.txt as SCORES.
grade() {
	tree=$1 scores=$2
	shift 2
	rm -f "$tree/b/check/scores.txt"
	env "$@" make -C "$tree" --no-print-directory BUILD=b check-run \
		HIDDEN="$hidden" >>"$scores.log" 2>&1
	cp "$tree/b/check/scores.txt" "$scores" 2>/dev/null || {
		echo "no scores from $tree (see $scores.log)"
		return 1
	}
}

# total SCORES: "score max"
total() { awk '$1 == "total" { print $2, $3 }' "$1"; }

# unchanged ID TREE: the exercises other than ID whose graded tests read
# only files (exercises/*/inputs: "EXERCISE FILE...", $BUILD the build)
# that are the same in TREE as in the reference, comma-separated.  Their
# tests cannot score differently there, so they are not run again: the
# reference's run has shown them at full marks.  (Chapter 9's network
# checks read only build/kvmlab-net and their scripts, and take minutes.)
unchanged() {
	cat "$tmp"/ref/exercises/*/inputs 2>/dev/null | sed 's/#.*//' |
		while read -r ex files; do
			[ -n "$ex" ] && [ "$ex" != "$1" ] || continue
			for f in $files; do
				case $f in '$BUILD/'*) f=b/${f#\$BUILD/} ;; esac
				cmp -s "$tmp/ref/$f" "$2/$f" || continue 2
			done
			printf '%s,' "$ex"
		done | sed 's/,$//'
}

# One exercise reverted: built from the reference's objects, graded.
one() {
	id=$1 tmp=$2
	tree=$tmp/x-$id
	hidden=$(cat "$tmp/hidden")
	cp -a "$tmp/ref/b" "$tree.b.tmp" && mkdir -p "$tree" &&
		mv "$tree.b.tmp" "$tree/b" &&
		(cd "$tmp/ref" && "$tmp/mkstudent" --only "$id" "$tree" \
			<"$tmp/files" >/dev/null) &&
		make -C "$tree" --no-print-directory BUILD=b all \
			>"$tree.build.log" 2>&1 || {
		echo "$id: the tree does not build (see $tree.build.log)" \
			>"$tmp/result-$id"
		return 0
	}
	same=$(unchanged "$id" "$tree")
	grade "$tree" "$tree.scores" \
		GRADER_FLAGS="--only graded${same:+ --skip-exercises $same}" \
		>"$tmp/result-$id" || return 0
	# Its own tests all FAIL, every other exercise keeps all its points.
	awk -v id="$id" -v logf="$tree.scores.log" -v same="$same" '
	$1 == "exercise" && $2 == id {
		own = $4
		if ($3 != 0)
			bad = bad " it kept " $3 " of its " $4 " points;"
	}
	$1 == "exercise" && $2 != id && $3 != $4 {
		bad = bad " " $2 " lost " $4 - $3 " points;"
	}
	$1 == "graded" && index($2, id "/") == 1 && $3 != "FAIL" {
		bad = bad " " $2 " gave " $3 ";"
	}
	$1 == "total" { got = $2; max = $3 }
	END {
		if (same != "")
			note = " (not rerun, inputs unchanged: " same ")"
		if (own == "")
			print id ": no graded test in any rubric"
		else if (bad != "")
			print id ":" bad " see " logf
		else
			printf "ok %-25s %5s/%s points: lost its own %s%s\n",
			       id, got, max, own, note
	}' "$tree.scores" >"$tmp/result-$id"
}

if [ "${1:-}" = --one ]; then
	one "$2" "$3"
	exit 0
fi

build=${1:?usage: verify-graders.sh BUILD [HIDDEN]}
if [ -f .kvmlab-student ]; then
	echo "verify-graders: a student tree (.kvmlab-student): rubrics are" \
		"verified in the reference tree; nothing to do here"
	exit 0
fi
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }
problems=0
problem() {
	echo "  PROBLEM: $*"
	problems=$((problems + 1))
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-verify.XXXXXX") || exit 1
hidden=
if [ -n "${2:-}" ]; then
	hidden=$(cd "$2" && pwd) || exit 1
fi
echo "$hidden" >"$tmp/hidden"
case $build in
/*) cp "$build/exercises/mkstudent" "$tmp/mkstudent" ;;
*) cp "$(pwd)/$build/exercises/mkstudent" "$tmp/mkstudent" ;;
esac || exit 1

# Every tree comes from one frozen copy of this one, so they all agree.
sh exercises/tools/tree-files.sh >"$tmp/files"
"$tmp/mkstudent" --none "$tmp/ref" <"$tmp/files" >/dev/null || exit 1
ids=$(cd "$tmp/ref" && "$tmp/mkstudent" --list <"$tmp/files" | cut -f1 |
	sort -u)
[ -n "$ids" ] || {
	echo "verify-graders: no exercise regions here (a student tree?)"
	exit 1
}
echo "verify-graders: $(echo "$ids" | wc -l) exercises, trees in $tmp" \
	"${hidden:+(hidden tests: $hidden)}"

# 1. The reference: full marks.
make -C "$tmp/ref" --no-print-directory BUILD=b -j"$jobs" all \
	>"$tmp/ref.build.log" 2>&1 || {
	echo "verify-graders: the reference tree does not build:"
	tail -n 20 "$tmp/ref.build.log"
	exit 1
}
if grade "$tmp/ref" "$tmp/ref.scores" GRADER_FLAGS="--only graded"; then
	set -- $(total "$tmp/ref.scores")
	printf '  %-27s %5s/%s points [%s]\n' reference "$1" "$2" "$(elapsed)"
	[ "$1" = "$2" ] && [ "$2" != 0 ] ||
		problem "the reference does not score full marks:" \
			"$(awk '$1 == "graded" && $3 != "PASS" { printf "%s(%s) ", $2, $3 }' \
				"$tmp/ref.scores")"
else
	problem "the reference could not be graded"
fi
[ "$problems" = 0 ] || {
	echo "verify-graders: stopped; the trees stay in $tmp"
	exit 1
}

# 2. The student tree: builds; graded tests fail fast; ungraded don't fail.
s=$tmp/student
(cd "$tmp/ref" && "$tmp/mkstudent" "$s" <"$tmp/files" >/dev/null) &&
	make -C "$s" --no-print-directory BUILD=b -j"$jobs" all \
		>"$s.build.log" 2>&1 ||
	problem "the student tree does not build (see $s.build.log)"
# Its scripts must still parse: a region's else and fi are found by their
# comments, which nothing but the shell itself can check.
for f in $(cd "$tmp/ref" && "$tmp/mkstudent" --list <"$tmp/files" |
	cut -f2 | sed 's/:[0-9]*$//' | grep -v '\.[chS]$' | sort -u); do
	case $(head -n 1 "$s/$f") in
	*bash*) shell=bash ;;
	*) shell=sh ;;
	esac
	$shell -n "$s/$f" 2>>"$s.build.log" ||
		problem "$f is not valid $shell in the student tree (see $s.build.log)"
done
if [ "$problems" = 0 ] &&
	grade "$s" "$s.graded" GRADER_FLAGS="--only graded" TIMEOUT_SCALE=0.25 &&
	grade "$s" "$s.ungraded" GRADER_FLAGS="--only ungraded"; then
	set -- $(total "$s.graded")
	n=$(grep -c '^graded ' "$s.graded")
	failed=$(awk '$1 == "graded" && $3 == "FAIL"' "$s.graded" | wc -l)
	printf '  %-27s %5s/%s points: %s of %s graded tests FAIL [%s]\n' \
		"student tree" "$1" "$2" "$failed" "$n" "$(elapsed)"
	[ "$1" = 0 ] || problem "the student tree scores $1 points"
	[ "$failed" = "$n" ] ||
		problem "graded tests that do not FAIL in the student tree:" \
			"$(awk '$1 == "graded" && $3 != "FAIL" { printf "%s(%s) ", $2, $3 }' \
				"$s.graded")"
	# A skip is right there when the test needs an exercise, or checks
	# what only the reference tree has (its solutions: the autograders).
	awk '$1 == "ungraded" && $3 == "PASS" { p++ }
	$1 == "ungraded" && $3 == "SKIP" && $4 == "needs" && $5 == "exercise" {
		x++
	}
	$1 == "ungraded" && $3 == "SKIP" && $4 " " $5 " " $6 == "reference tree only:" {
		r++
	}
	END { printf "  %-27s %d ungraded tests pass, %d skip: they need " \
		"an exercise, %d: reference tree only\n", "", p, x, r }' \
		"$s.ungraded"
	bad=$(awk '$1 == "ungraded" && $3 != "PASS" &&
		!($3 == "SKIP" && $4 == "needs" && $5 == "exercise") &&
		!($3 == "SKIP" && $4 " " $5 " " $6 == "reference tree only:") {
		printf "%s(%s) ", $2, $3 }' "$s.ungraded")
	[ -z "$bad" ] ||
		problem "ungraded tests that fail in the student tree: $bad"
else
	problem "the student tree could not be graded"
fi

# 3. One tree per exercise, a few at a time.
echo "$ids" | xargs -P "$jobs" -I{} sh "$0" --one {} "$tmp"
for id in $ids; do
	r=$(cat "$tmp/result-$id" 2>/dev/null || echo "$id: no result")
	case $r in
	ok\ *) echo "  ${r#ok }" ;;
	*) problem "$r" ;;
	esac
done

if [ "$problems" = 0 ]; then
	echo "verify-graders: every check passed ($(elapsed))"
	rm -rf "$tmp"
	exit 0
fi
echo "verify-graders: $problems problems ($(elapsed)); the trees stay in $tmp"
exit 1
