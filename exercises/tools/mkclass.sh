#!/bin/sh
# Write a made-up class to try `make grade-class` on (exercises/README.md,
# "Grading a class"): N submissions, one folder each, in DIR.
#
#   BUILD=build sh exercises/tools/mkclass.sh [--chapter NN] N DIR
#
# Run at the top of this (reference) tree, with BUILD/exercises/mkstudent
# built.  The submissions take turns being:
#   reference   the exercise files of this tree, at their paths (full marks)
#   student     the student tree (0)
#   done-ID     the student tree with exercise ID done (its points)
#   files-ID    only the files that doing ID changed, at their paths
#   nobuild     the student tree with an exercise file that does not compile
#   outside-ID  ID done, and its rubric and the Makefile edited (ignored)
# ID takes turns among the exercises (chapter NN's with --chapter).
set -u
usage() {
	echo "usage: mkclass.sh [--chapter NN] N DIR" >&2
	exit 2
}
ch=''
if [ "${1:-}" = --chapter ]; then
	[ $# -ge 2 ] || usage
	ch=$2
	shift 2
fi
[ $# = 2 ] || usage
n=$1 dir=$2
case $n in '' | *[!0-9]*) usage ;; esac
BUILD=${BUILD:-build}
mk=$BUILD/exercises/mkstudent
[ -x "$mk" ] || {
	echo "mkclass: $mk is not built (make $mk)"
	exit 1
}
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || {
	echo "mkclass: $dir is not empty"
	exit 2
}
mkdir -p "$dir" || exit 1
tmp=$dir/.mkclass
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
sh exercises/tools/tree-files.sh >"$tmp/files"
"$mk" --list <"$tmp/files" >"$tmp/regions"
cut -f2 "$tmp/regions" | sed 's/:[0-9]*$//' | sort -u >"$tmp/exfiles"
ids=$(cut -f1 "$tmp/regions" | sort -u | grep "^ch${ch}") || {
	echo "mkclass: no exercise in chapter $ch"
	exit 2
}
nids=$(echo "$ids" | wc -l)
"$mk" "$tmp/student" <"$tmp/files" >/dev/null || exit 1

# copy FROM TO FILE...: the files of tree FROM at their paths in TO.
copy() {
	from=$1 to=$2
	shift 2
	for f in "$@"; do
		mkdir -p "$to/$(dirname "$f")"
		cp "$from/$f" "$to/$f"
	done
}

i=0
while [ "$i" -lt "$n" ]; do
	i=$((i + 1))
	num=$(printf %02d "$i")
	id=$(echo "$ids" | sed -n "$(((i - 1) / 6 % nids + 1))p")
	case $((i % 6)) in
	1)
		name=$num-reference
		# shellcheck disable=SC2046 # one word a path
		copy . "$dir/$name" $(cat "$tmp/exfiles") ;;
	2)
		name=$num-student
		"$mk" "$dir/$name" <"$tmp/files" >/dev/null ;;
	3)
		name=$num-done-$id
		"$mk" --done "$id" "$dir/$name" <"$tmp/files" >/dev/null ;;
	4)
		name=$num-files-$id
		rm -rf "$tmp/done"
		"$mk" --done "$id" "$tmp/done" <"$tmp/files" >/dev/null
		changed=$(while read -r f; do
			cmp -s "$tmp/done/$f" "$tmp/student/$f" || echo "$f"
		done <"$tmp/exfiles")
		mkdir -p "$dir/$name"
		# shellcheck disable=SC2086
		copy "$tmp/done" "$dir/$name" $changed ;;
	5)
		name=$num-nobuild
		"$mk" "$dir/$name" <"$tmp/files" >/dev/null
		f=$(grep -m 1 '\.c$' "$tmp/exfiles")
		echo "int broken = ;" >>"$dir/$name/$f" ;;
	0)
		name=$num-outside-$id
		"$mk" --done "$id" "$dir/$name" <"$tmp/files" >/dev/null
		rubric=$(grep -l "^[0-9]*  *$id " exercises/*/rubric | head -n 1)
		sed "s/^\([0-9]*  *$id  *[a-z0-9-]*  *\)[0-9]*/\1100/" \
			"$rubric" >"$dir/$name/$rubric"
		echo "# edited by the student" >>"$dir/$name/Makefile" ;;
	esac
	echo "$name"
done
