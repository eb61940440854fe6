#!/bin/sh
# make gradescope: write Gradescope's autograder.zip for this tree.
#
#   package.sh OUT [CH] [HIDDEN]     (from the top of the tree)
#
# OUT/autograder.zip holds, at its root, what Gradescope looks for:
# setup.sh and run_autograder (exercises/gradescope/), then kvmlab/ (this
# reference tree's files: tree-files.sh), hidden/ (HIDDEN's files, the
# instructor's hidden tests) and config: CH=NN grades one chapter's
# exercises (an assignment per lab), empty all of them; the time limits
# KVMLAB_BUILD_TIMEOUT and KVMLAB_GRADE_TIMEOUT (seconds: from the
# environment, else 240 and 600 for a chapter, 240 and 1500 for all) keep
# a hanging submission within Gradescope's own timeout, which it prints.
# Needs zip.
set -eu
out=${1:?usage: package.sh OUT [CH] [HIDDEN]}
ch=${2:-}
hidden=${3:-}
case $ch in
'' | [0-9][0-9]) ;;
*) echo "make gradescope: CH=$ch: expected two digits, like CH=03" >&2; exit 2 ;;
esac
[ -z "$ch" ] || ls -d exercises/"$ch"-*/rubric >/dev/null 2>&1 || {
	echo "make gradescope: CH=$ch: no exercises/$ch-*/rubric here" >&2
	exit 2
}
[ -z "$hidden" ] || [ -d "$hidden" ] || {
	echo "make gradescope: HIDDEN=$hidden is not a folder" >&2
	exit 2
}
command -v zip >/dev/null 2>&1 || {
	echo "make gradescope: needs zip (sudo apt-get install zip)" >&2
	exit 69
}
[ -f exercises/gradescope/run_autograder ] || {
	echo "make gradescope: run it from the top of the reference tree" >&2
	exit 2
}
[ ! -f .kvmlab-student ] || {
	echo "make gradescope: this is a student tree: the autograder is" \
		"made from the reference tree, whose solutions it grades against" >&2
	exit 2
}

build_limit=${KVMLAB_BUILD_TIMEOUT:-240}
grade_limit=${KVMLAB_GRADE_TIMEOUT:-600}
[ -n "$ch" ] || grade_limit=${KVMLAB_GRADE_TIMEOUT:-1500}
case $build_limit$grade_limit in *[!0-9]*)
	echo "make gradescope: the time limits must be seconds" >&2; exit 2 ;;
esac

mkdir -p "$out"
stage=$out/stage
rm -rf "$stage" "$out/autograder.zip"
mkdir -p "$stage/kvmlab"
sh exercises/tools/tree-files.sh | while read -r f; do
	mkdir -p "$stage/kvmlab/$(dirname "$f")"
	cp -p "$f" "$stage/kvmlab/$f"
done
cp -p exercises/gradescope/setup.sh exercises/gradescope/run_autograder \
	"$stage/"
chmod 755 "$stage/setup.sh" "$stage/run_autograder"
[ -z "$hidden" ] || cp -pR "$hidden" "$stage/hidden"
{
	echo "# Written by make gradescope; run_autograder reads it."
	echo "CH=$ch"
	echo "KVMLAB_BUILD_TIMEOUT=$build_limit"
	echo "KVMLAB_GRADE_TIMEOUT=$grade_limit"
} >"$stage/config"
(cd "$stage" && zip -qrX ../autograder.zip .)
rm -rf "$stage"
what="every chapter"
[ -z "$ch" ] || what="chapter $ch"
echo "make gradescope: $out/autograder.zip ($(du -k "$out/autograder.zip" |
	cut -f1) KiB): $what${hidden:+, hidden tests from $hidden}"
echo "  set Gradescope's autograder timeout to at least" \
	"$(((build_limit + grade_limit + 120 + 59) / 60)) minutes" \
	"(build $build_limit s + tests $grade_limit s + 2 minutes)"
