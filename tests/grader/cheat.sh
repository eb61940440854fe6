#!/bin/sh
# Prove that a cheating submission scores nothing: run every graded test of
# one exercise, as the grader would, with a cheat put in place through
# environment variables, and expect every one of them to fail.
#
#   usage: cheat.sh [-d WHAT] RUBRIC EXERCISE [VAR=VALUE...]
#
# RUBRIC is a rubric file (exercises/NN-chapter/rubric, or a hidden one)
# and EXERCISE the id of its exercise (ch03-enter-long-mode).  Each graded
# line of that exercise (CH EXERCISE TEST POINTS TIMEOUT COMMAND) runs as
# tests/runner runs it: from the top of the tree, $NAME in a word replaced
# by the environment's value ($BUILD and $GB defaulting to build and
# build/guest, $HIDDEN to the rubric's folder), killed at TIMEOUT seconds
# (times TIMEOUT_SCALE), here with VAR=VALUE... added to its environment
# (CH03_GUEST=$GB/tests/printlm64.elf: the grader runs the cheat instead).
# A VALUE with a / in it is a path, which must exist.
#
# Prints one line per test, "EXERCISE/TEST: FAIL as it should: REASON"
# (the first line of the test's own reason), then the score the cheat got,
# "WHAT scores 0/10 on EXERCISE" (WHAT: -d, default "a printing stub").
# Exit status: 0 when every test failed; 1 when one passed (each named on
# a last line "FAIL: the grader was fooled: ...", which the runner shows);
# 77 (the runner's SKIP) when one could not run here (it skipped: no KVM)
# and none passed; 2 for a usage error.
set -u

what="a printing stub"
if [ "${1:-}" = -d ] && [ $# -ge 2 ]; then
	what=$2
	shift 2
fi
[ $# -ge 2 ] || {
	echo "usage: $0 [-d WHAT] RUBRIC EXERCISE [VAR=VALUE...]" >&2
	exit 2
}
rubric=$1 exercise=$2
shift 2
for a in "$@"; do
	case $a in
	[A-Za-z_]*=*) ;;
	*) echo "cheat.sh: not VAR=VALUE: $a" >&2; exit 2 ;;
	esac
done
[ -r "$rubric" ] || { echo "cheat.sh: cannot read $rubric" >&2; exit 2; }
rubric_dir=$(cd "$(dirname "$rubric")" && pwd)
rubric=$rubric_dir/$(basename "$rubric")
cd "$(dirname "$0")/../.." || exit 2

BUILD=${BUILD:-build}
GB=${GB:-build/guest}
HIDDEN=${HIDDEN:-$rubric_dir}
export BUILD GB HIDDEN
# A VALUE that is a path (holds a /) names the cheat: it must be there, or
# every test would fail for want of it and prove nothing.
for a in "$@"; do
	case ${a#*=} in
	*/*) [ -e "${a#*=}" ] || {
		echo "cheat.sh: ${a%%=*}=${a#*=}: no such file (build it first)" >&2
		exit 2
	} ;;
	esac
done
scale=${TIMEOUT_SCALE:-1}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-cheat.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# expand WORD: $NAME (capitals and underscores) replaced as the runner's
# spec.c does; an unset variable is empty.
expand() {
	w=$1 out=
	while :; do
		case $w in
		*'$'*)
			out=$out${w%%\$*}
			w=${w#*\$}
			name=$(expr "X$w" : 'X\([A-Z_]*\)')
			w=${w#"$name"}
			val=
			[ -n "$name" ] && eval "val=\${$name-}"
			out=$out$val
			;;
		*)
			out=$out$w
			break
			;;
		esac
	done
	printf '%s' "$out"
}

# reason LOG STATUS: the first line of why the test failed.  A guest test's
# "FAIL: ..." line (tests/guest/lib.sh), else cmocka's or any line that
# says fail or error, else its last line, else its status.
reason() {
	r=$(sed -n 's/^FAIL: //p' "$1" | head -n 1)
	[ -n "$r" ] || r=$(grep -v '^\$ ' "$1" | grep -iE 'fail|error' |
		head -n 1)
	[ -n "$r" ] || r=$(grep -v '^\$ ' "$1" | grep . | tail -n 1)
	[ -n "$r" ] || r="exit status $2, no output"
	printf '%s' "$r"
}

# quote WORD: WORD as one shell word.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

vars=
for a in "$@"; do
	vars="$vars $(quote "$a")"
done

awk -v ex="$exercise" '$1 ~ /^[0-9][0-9]$/ && $2 == ex' "$rubric" \
	>"$TMP/tests"
[ -s "$TMP/tests" ] || {
	echo "cheat.sh: no graded test of $exercise in $rubric" >&2
	exit 2
}

total=0 got=0 n=0 passed='' skipped=''
while read -r _ _ test points limit cmd; do
	n=$((n + 1))
	argv=
	set -f
	for w in $cmd; do
		argv="$argv $(quote "$(expand "$w")")"
	done
	set +f
	log=$TMP/$n.log
	# Its own stub log, as the runner gives each test one.
	: >"$TMP/$n.stubs"
	secs=$(awk -v t="$limit" -v s="$scale" 'BEGIN { print t * s }')
	eval "env KVMLAB_EXERCISE_LOG=\"\$TMP/\$n.stubs\" $vars \
		timeout -k 5 $secs $argv" </dev/null >"$log" 2>&1
	status=$?
	total=$((total + points))
	name=$exercise/$test
	case $status in
	0)
		got=$((got + points))
		passed="$passed $name"
		echo "$name: PASS, and a cheat must not: the grader was" \
			"fooled ($points points)"
		sed 's/^/    /' "$log" | tail -n 5
		;;
	77)
		skipped="$skipped $test"
		echo "$name: SKIP: $(reason "$log" $status)"
		;;
	124 | 137)
		echo "$name: FAIL as it should: timed out after ${secs}s"
		;;
	*)
		echo "$name: FAIL as it should: $(reason "$log" $status)"
		;;
	esac
done <"$TMP/tests"

echo "$what scores $got/$total on $exercise"
if [ -n "$passed" ]; then
	# The runner's diagnosis is the first "FAIL: " line.
	echo "FAIL: the grader was fooled:$passed passed ($what scores" \
		"$got/$total)"
	exit 1
fi
if [ -n "$skipped" ]; then
	echo "not proven: $exercise skipped:$skipped"
	exit 77
fi
exit 0
