#!/bin/sh
# make grade-class: grade a directory of submissions into a CSV of scores.
#
# Each subdirectory of SUBMISSIONS is one student's tree (or just the files
# they changed, at the same paths).  Only the files that hold exercise
# regions are taken from it, whole (mkstudent --list names them);
# everything else (the Makefile, the tests, the rubrics, the grader) comes
# from a fresh student tree made from this reference, so those are the
# instructor's whatever a submission holds.  Each one is then graded with
# `make check`, graded tests only, HIDDEN tests included.  Student code
# still runs, inside the test programs too, so a determined student can
# subvert a test (exercises/README.md, "Grading a class", says what
# defends): grade in a throwaway VM or container.
#
#   usage: grade-class.sh BUILD SUBMISSIONS CSV [HIDDEN]
#
# Writes CSV (one row per submission: name, total, max, then one column per
# exercise) and, beside it, CSV.results/NAME/ with each submission's
# results.json, junit.xml, results.tap, scores.txt and the check output.
set -u
build=${1:?usage: grade-class.sh BUILD SUBMISSIONS CSV [HIDDEN]}
subs=${2:?usage: grade-class.sh BUILD SUBMISSIONS CSV [HIDDEN]}
csv=${3:?usage: grade-class.sh BUILD SUBMISSIONS CSV [HIDDEN]}
hidden=
if [ -n "${4:-}" ]; then
	hidden=$(cd "$4" && pwd) || exit 1
fi
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
[ -d "$subs" ] || {
	echo "grade-class: $subs is not a directory"
	exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-class.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
sh exercises/tools/tree-files.sh >"$tmp/files"
"$build/exercises/mkstudent" "$tmp/student" <"$tmp/files" >/dev/null ||
	exit 1
"$build/exercises/mkstudent" --list <"$tmp/files" >"$tmp/regions"
files=$(cut -f2 "$tmp/regions" | sed 's/:[0-9]*$//' | sort -u)
ids=$(cut -f1 "$tmp/regions" | sort -u | tr "\n" " ")

mkdir -p "$csv.results"
{
	printf 'submission,total,max'
	for id in $ids; do printf ',%s' "$id"; done
	printf '\n'
} >"$csv.tmp"

for sub in "$subs"/*/; do
	name=$(basename "$sub")
	tree=$tmp/grade
	rm -rf "$tree"
	cp -a "$tmp/student" "$tree"
	for f in $files; do
		[ -f "$sub/$f" ] && cp "$sub/$f" "$tree/$f"
	done
	echo "grading $name ..."
	env GRADER_FLAGS="--only graded" make -C "$tree" --no-print-directory \
		BUILD=b check HIDDEN="$hidden" >"$tree.out" 2>&1
	out=$csv.results/$name
	mkdir -p "$out"
	cp "$tree.out" "$out/check.txt"
	cp "$tree"/b/check/results.json "$tree"/b/check/junit.xml \
		"$tree"/b/check/results.tap "$tree"/b/check/scores.txt "$out/" \
		2>/dev/null
	if [ -f "$out/scores.txt" ]; then
		awk -v name="$name" -v ids="$ids" '
		$1 == "exercise" { s[$2] = $3 }
		$1 == "total" { total = $2; max = $3 }
		END {
			printf "%s,%s,%s", name, total, max
			n = split(ids, id, " ")
			for (i = 1; i <= n; i++)
				printf ",%s", (id[i] in s) ? s[id[i]] : 0
			printf "\n"
		}' "$out/scores.txt" >>"$csv.tmp"
	else
		echo "$name,0,,the grader wrote no scores (see $out/check.txt)" \
			>>"$csv.tmp"
	fi
	grep -E "^[0-9]+ passed, " "$out/check.txt" | tail -n 1
done
mv "$csv.tmp" "$csv"
echo "grade-class: $(($(wc -l <"$csv") - 1)) submissions in $csv"
