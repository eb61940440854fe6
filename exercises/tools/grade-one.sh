#!/bin/sh
# Grade one submission: Gradescope's run_autograder and `make grade-class`
# both come here (exercises/README.md, "Grading a class").
#
#   grade-one.sh --base BASE --submission DIR --out OUT [--hidden DIR]
#                [--chapter NN] [--work WORK] [--jobs N]
#
# BASE is a built student tree (grade-base.sh).  WORK (default OUT/tree)
# becomes a copy of it, and from DIR only the exercise files are taken
# (BASE/.kvmlab-grade/files), whole: the Makefile, the tests, the rubrics
# and the grader stay the instructor's whatever DIR holds.  DIR may be the
# whole tree, the tree inside one folder (an unpacked archive), or only
# the files changed, at their paths or, when their names say which, flat
# (an upload of single files).  A file changed outside the exercises is
# ignored and named; so are symbolic links, files over 1 MiB, and C or
# assembly files that include by an absolute path, by two or more "..",
# or by a macro (ways to compile the instructor's files in).  Then WORK
# is built (only what changed) and its graded tests run, HIDDEN's too.
#
# OUT gets results.json (Gradescope's format), junit.xml, results.tap,
# scores.txt and grade.log (what was taken, the build, the tests).  What
# this script did with the submission heads results.json's output.  A
# build that fails or does not end (KVMLAB_BUILD_TIMEOUT, 300 s) scores 0
# with the compiler's first error; a test that hangs is stopped at its
# rubric's timeout and costs only its points.  The tests get
# KVMLAB_GRADE_TIMEOUT (1800 s) in all, less a minute for the machine's
# boot and the results: those not run by then are TIMEOUTs (the runner's
# --time-limit), so results.json is written before a service's own limit
# (Gradescope's) would end the run with none; past the whole limit the
# run is stopped and scores 0, saying so.
# Exit status 0 when OUT/results.json was written, 1 otherwise.
set -u
usage() {
	echo "usage: grade-one.sh --base BASE --submission DIR --out OUT" \
		"[--hidden DIR] [--chapter NN] [--work WORK] [--jobs N]" >&2
	exit 2
}
base='' sub='' out='' hidden='' chapter='' work='' jobs=''
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--base) base=$2 ;;
	--submission) sub=$2 ;;
	--out) out=$2 ;;
	--hidden) hidden=$2 ;;
	--chapter) chapter=$2 ;;
	--work) work=$2 ;;
	--jobs) jobs=$2 ;;
	*) usage ;;
	esac
	shift 2
done
if [ -z "$base" ] || [ -z "$sub" ] || [ -z "$out" ]; then usage; fi
[ -f "$base/.kvmlab-grade/files" ] || {
	echo "grade-one: $base is not a prepared base (grade-base.sh)" >&2
	exit 2
}
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
base=$(cd "$base" && pwd) || exit 1
work=${work:-$out/tree}
jobs=${jobs:-$(nproc 2>/dev/null || echo 2)}
build_limit=${KVMLAB_BUILD_TIMEOUT:-300}
grade_limit=${KVMLAB_GRADE_TIMEOUT:-1800}
log=$out/grade.log
note=$out/note.txt
: >"$log"
: >"$note"
rm -f "$out/results.json" "$out/junit.xml" "$out/results.tap" \
	"$out/scores.txt"
say() { echo "$*" >>"$note"; }
# The make that runs this (make check's tests, make grade-class) passes its
# command line (T=, CH=, SAN=1...) down, in MAKEFLAGS and the environment:
# the tree's own settings only.
unset MAKEFLAGS MFLAGS MAKELEVEL T CH V SAN HIDDEN BUILD_FAILED GRADER_FLAGS

# limited SECS LOG CMD...: CMD in a session of its own, its output in LOG.
# At SECS it gets SIGTERM and 10 s later SIGKILL (timeout), then whatever
# is left of its session: a compiler stuck on an #include of /dev/zero
# must not outlive the build.
limited() {
	secs=$1 logf=$2
	shift 2
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	timeout -k 10 "$secs" sh -c 'echo $$ >"$0"; exec setsid "$@"' \
		"$out/session" "$@" >"$logf" 2>&1
	status=$?
	pg=$(cat "$out/session" 2>/dev/null) && kill -KILL -- "-$pg" 2>/dev/null
	rm -f "$out/session"
	return "$status"
}

# fallback MESSAGE: results.json when the grader itself could not give one.
fallback() {
	msg=$(printf '%s' "$1" | LC_ALL=C tr -c '[:print:]\n' '?' | sed 's/\\/\\\\/g; s/"/\\"/g' |
		awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }')
	printf '{\n  "score": 0,\n  "output": "%s",\n  "tests": []\n}\n' \
		"$msg" >"$out/results.json"
	printf '%s\n' "$1" >>"$log"
}

[ -d "$sub" ] || {
	fallback "No submission was found (no folder $sub): nothing to grade."
	exit 0
}
sub=$(cd "$sub" && pwd -P) || exit 1

# ---- Which files of the submission are graded --------------------------
# Its files, without version control or build folders.
(cd "$sub" && find . -type d \( -name .git -o -name 'build*' -o -name b \) \
	-prune -o \( -type f -o -type l \) -print | sed 's|^\./||' | sort) \
	>"$out/submitted"
ex=$base/.kvmlab-grade/files
# Where the tree starts: the shortest prefix under which an exercise file
# is found at its path ("" for the whole tree, "kvmlab/" for a tree inside
# a folder).
root=$(awk 'NR == FNR { ex[$0] = 1; next }
	{
		for (p in ex) {
			n = length($0) - length(p)
			if (n == 0 && $0 == p)
				print "/"
			else if (n > 0 && substr($0, n) == "/" p)
				print substr($0, 1, n)
		}
	}' "$ex" "$out/submitted" |
	awk '{ print length($0), $0 }' | sort -n | head -n 1 | cut -d' ' -f2-)
case $root in /) root= ;; esac

# escapes FILE: true when the C or assembly FILE includes something by an
# absolute path, by two or more ".." (from include/, that is outside the
# tree) or by a macro, or embeds a file (.incbin).  Lines continued with
# a backslash are joined first; the digraph %: is C's # too.
escapes() {
	case $1 in *.c | *.h | *.S) ;; *) return 1 ;; esac
	sed -e ':a' -e '/\\$/N' -e 's/\\\n//' -e 'ta' "$1" | LC_ALL=C awk '
	{ l = $0; gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", l) }
	l ~ /\.incbin|__has_include/ { bad = 1 }
	l ~ /^[ \t]*(#|%:)[ \t]*(include|include_next|import|embed)/ {
		sub(/^[ \t]*(#|%:)[ \t]*[a-z_]+[ \t]*/, "", l)
		if (l !~ /^["<]/)
			bad = 1
		p = substr(l, 2)
		sub(/[">].*/, "", p)
		if (p ~ /^\// || gsub(/\.\.\//, "", p) >= 2)
			bad = 1
	}
	END { exit !bad }'
}

# inside PATH: true when PATH, links resolved, is in the submission.
inside() {
	case $(readlink -f "$1") in "$sub"/*) return 0 ;; esac
	return 1
}

# take PATH FILE: the submission's PATH as the exercise file FILE.
take() {
	echo "$1" >>"$out/consumed"
	if [ -L "$sub/$1" ]; then
		say "ignored: $1 is a symbolic link; submit the file itself"
	elif [ ! -f "$sub/$1" ]; then
		say "ignored: $1 is not a file"
	elif ! inside "$sub/$1"; then
		say "ignored: $1 is reached through a symbolic link"
	elif escapes "$sub/$1"; then
		say "ignored: $1 includes a file by an absolute path, by two" \
			"or more \"..\" or by a macro: only the tree's own headers" \
			"may be included, by their usual names"
	elif [ "$(wc -c <"$sub/$1")" -gt 1048576 ]; then
		say "ignored: $1 is over 1 MiB"
	else
		# The same bytes as the stub's keep the stub's time: make
		# rebuilds only the files a submission changed.
		cmp -s "$sub/$1" "$work/$2" || cp "$sub/$1" "$work/$2" &&
			echo "$2" >>"$out/taken"
	fi
}

rm -rf "$work"
mkdir -p "$(dirname "$work")"
cp -a "$base" "$work" || {
	fallback "The grader could not copy its tree to $work (disk full?)."
	exit 1
}
: >"$out/taken"
: >"$out/consumed"
while read -r f; do
	name=${f##*/}
	if [ -e "$sub/$root$f" ] || [ -L "$sub/$root$f" ]; then
		take "$root$f" "$f"
	elif [ -z "$root" ] && [ -f "$sub/$name" ] &&
		! grep -qxF "$name" "$out/consumed"; then
		# Flat: a file named like exactly one exercise file, or like
		# exactly one of the chapter graded.
		one=$(grep "/$name\$" "$ex")
		[ "$(echo "$one" | wc -l)" -gt 1 ] && [ -n "$chapter" ] &&
			one=$(echo "$one" | grep "^chapters/$chapter-")
		if [ "$(echo "$one" | grep -c .)" != 1 ]; then
			echo "$name" >>"$out/consumed"
			say "ignored: $name: $(grep -c "/$name\$" "$ex") exercise" \
				"files have that name; submit it at its path in the tree"
		elif [ "$one" = "$f" ]; then
			take "$name" "$f" && say "taken: $name as $f"
		fi
	fi
done <"$ex"
# Everything else the submission holds: named when it changes a file of
# the tree (those are the instructor's), counted otherwise.
changed='' others=0
while read -r f; do
	grep -qxF "$f" "$out/consumed" && continue
	# Never read through a link (a FIFO or a device would block cmp).
	if [ -L "$sub/$f" ]; then
		others=$((others + 1))
		continue
	fi
	rel=${f#"$root"}
	if { [ "$rel" != "$f" ] || [ -z "$root" ]; } &&
		grep -qxF "$rel" "$base/.kvmlab-grade/tree"; then
		cmp -s "$sub/$f" "$base/$rel" || changed="$changed $rel"
	else
		others=$((others + 1))
	fi
done <"$out/submitted"
if [ -n "$changed" ]; then
	# shellcheck disable=SC2086 # one word a path
	set -- $changed
	say "ignored: $# file(s) changed outside the exercises, graded as" \
		"kvmlab has them:$(printf ' %s' "$@" | cut -c1-600)"
	say "  (only the exercise files count:" \
		"$(tr '\n' ' ' <"$ex" | cut -c1-600))"
fi
[ "$others" = 0 ] || say "ignored: $others file(s) that are not part of kvmlab"
ntaken=$(wc -l <"$out/taken")
if [ "$ntaken" = 0 ]; then
	say "No exercise file was found in the submission: every exercise" \
		"is graded as its stub (0 points). Submit the files you" \
		"changed at their paths in the tree, e.g. $(head -n 1 "$ex")."
else
	say "graded: $ntaken exercise file(s) from the submission${root:+ (the tree in $root)}"
fi
cat "$note" >>"$log"

# ---- Build: only what the submission changed ---------------------------
echo "== build (make all, at most $build_limit s)" >>"$log"
limited "$build_limit" "$out/build.log" make -C "$work" \
	--no-print-directory BUILD=b -j"$jobs" all
status=$?
cat "$out/build.log" >>"$log"
failed=
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
	say "THE BUILD DID NOT FINISH in $build_limit s: it was stopped."
	echo "the build was stopped after $build_limit s" >>"$out/build.log"
	failed=$out/build.log
elif [ "$status" != 0 ]; then
	say "THE SUBMISSION DOES NOT BUILD: every test scores 0." \
		"The compiler's first error:" \
		"$(grep -m 1 -E 'error|Error' "$out/build.log")"
	failed=$out/build.log
fi

# ---- The graded tests ---------------------------------------------------
echo "== graded tests (at most $grade_limit s)" >>"$log"
# The note goes in by a path without spaces (make splits GRADER_FLAGS).
cp "$note" "$work/.kvmlab-grade/note.txt"
tests_limit=$((grade_limit > 120 ? grade_limit - 60 : grade_limit / 2))
limited "$grade_limit" "$out/check.log" env GRADER_FLAGS="--only graded \
--note .kvmlab-grade/note.txt --time-limit $tests_limit" \
	make -C "$work" --no-print-directory BUILD=b check-run \
	${chapter:+CH=$chapter} ${hidden:+HIDDEN=$hidden} \
	${failed:+BUILD_FAILED=$failed}
status=$?
cat "$out/check.log" >>"$log"
for f in results.json junit.xml results.tap scores.txt; do
	cp "$work/b/check/$f" "$out/" 2>/dev/null
done
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
	rm -f "$out/results.json" "$out/scores.txt"
	fallback "$(cat "$note")
GRADING DID NOT FINISH in $grade_limit s and was stopped: 0 points. A test
stops at its own timeout, so this is the grader's failure or the machine's:
ask your instructor to run it again."
elif [ ! -s "$out/results.json" ]; then
	fallback "$(cat "$note")
The grader wrote no results (status $status): 0 points. Its last lines:
$(tail -n 15 "$out/check.log")"
fi
[ -s "$out/results.json" ]
