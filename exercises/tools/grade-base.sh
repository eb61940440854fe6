#!/bin/sh
# Prepare the tree every submission is graded in: the student tree of the
# reference tree REF, built, so that grading a submission rebuilds only
# what it changed (exercises/tools/grade-one.sh).
#
#   grade-base.sh REF BASE
#
# REF is a reference tree (the instructor's: solutions inside); BASE must
# not exist yet.  Builds REF's mkstudent (gcc only, into REF/build), writes
# the student tree to BASE and builds it with BUILD=b.  BASE/.kvmlab-grade
# holds what grading needs to know:
#   files     the exercise files, one path a line: the only files taken
#             from a submission
#   tree      every file of the student tree, one path a line
# Make's failure (the student tree must build: its stubs compile) is ours
# to report, with the build's last lines, and the status is 1.
set -u
ref=${1:?usage: grade-base.sh REF BASE}
base=${2:?usage: grade-base.sh REF BASE}
[ ! -e "$base" ] || {
	echo "grade-base: $base exists already"
	exit 2
}
ref=$(cd "$ref" && pwd) || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
# A make that runs this passes its command line down, in MAKEFLAGS and
# the environment.
unset MAKEFLAGS MFLAGS MAKELEVEL T CH V SAN HIDDEN BUILD_FAILED GRADER_FLAGS

make -C "$ref" --no-print-directory BUILD=build build/exercises/mkstudent \
	>/dev/null || {
	echo "grade-base: mkstudent does not build in $ref"
	exit 1
}
mkdir -p "$base" && base=$(cd "$base" && pwd) || exit 1
(cd "$ref" && sh exercises/tools/tree-files.sh) >"$base.files" || exit 1
(cd "$ref" && build/exercises/mkstudent "$base" <"$base.files") ||
	exit 1
mkdir -p "$base/.kvmlab-grade"
(cd "$ref" && build/exercises/mkstudent --list <"$base.files") |
	cut -f2 | sed 's/:[0-9]*$//' | sort -u >"$base/.kvmlab-grade/files"
(cd "$base" && find . -type f ! -path ./.kvmlab-grade/\* | sed 's|^\./||' |
	sort) >"$base/.kvmlab-grade/tree"
rm -f "$base.files"
[ -s "$base/.kvmlab-grade/files" ] || {
	echo "grade-base: $ref has no exercise regions (a student tree?)"
	exit 1
}
echo "grade-base: building the student tree in $base"
make -C "$base" --no-print-directory BUILD=b -j"$jobs" all \
	>"$base/.kvmlab-grade/build.log" 2>&1 || {
	echo "grade-base: the student tree does not build:"
	tail -n 20 "$base/.kvmlab-grade/build.log"
	exit 1
}
echo "grade-base: $(wc -l <"$base/.kvmlab-grade/files") exercise files," \
	"$(wc -l <"$base/.kvmlab-grade/tree") files in all"
