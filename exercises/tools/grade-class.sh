#!/bin/sh
# make grade-class: grade a folder of submissions into a CSV of scores
# (exercises/README.md, "Grading a class").
#
#   grade-class.sh [--jobs N] [--chapter NN] [--force]
#                  BUILD SUBMISSIONS CSV [HIDDEN]
#
# Each subfolder of SUBMISSIONS is one student's submission: their tree,
# the tree inside one folder, or only the files they changed.  The base,
# the student tree of this reference tree built once (grade-base.sh), is
# prepared under BUILD/tmp/grade-class and kept while this tree's files
# stay the same.  Each submission is then graded by grade-one.sh in a copy
# of the base that is deleted afterwards; at most N at once (--jobs,
# default: the CPUs, at most 4), and with the emulated machine all of them
# in the one that `make grade-class` started.
#
# CSV.results/NAME/ keeps each one's results (results.json, junit.xml,
# results.tap, scores.txt), its log (grade.log) and, written last, `done`.
# A submission whose `done` is newer than all its files, for the same
# tree, chapter and hidden tests, is kept, not graded again (--force
# regrades all); one that was stopped halfway has no `done` and is graded
# again.  CSV, written at the end, has one row per submission, sorted:
# submission,total,max, one column per exercise, then a note (why 0, or
# what was ignored).  A submission that breaks or outlasts the grader
# scores 0 with a note; the others are graded as usual.
set -u
usage() {
	echo "usage: grade-class.sh [--jobs N] [--chapter NN] [--force]" \
		"BUILD SUBMISSIONS CSV [HIDDEN]" >&2
	exit 2
}
jobs='' ch='' force=0
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
	--chapter) [ $# -ge 2 ] || usage; ch=$2; shift 2 ;;
	--force) force=1; shift ;;
	-*) usage ;;
	*) break ;;
	esac
done
if [ $# -lt 3 ] || [ $# -gt 4 ]; then usage; fi
top=$(pwd)
tools=$top/exercises/tools
ncpu=$(nproc 2>/dev/null || echo 2)
case $jobs in
'') jobs=$ncpu; [ "$jobs" -le 4 ] || jobs=4 ;;
*[!0-9]* | 0) echo "grade-class: JOBS=$jobs: expected a number of jobs"; exit 2 ;;
esac
if [ -n "$ch" ]; then
	case $ch in
	[0-9][0-9]) ls exercises/"$ch"-*/rubric >/dev/null 2>&1 ;;
	*) false ;;
	esac || {
		echo "grade-class: CH=$ch: no such chapter (two digits: CH=02)"
		exit 2
	}
fi
build=$1 subs=$2 csv=$3 hidden=${4:-}
case $build in /*) ;; *) build=$top/$build ;; esac
[ -d "$subs" ] || {
	echo "grade-class: $subs is not a folder"
	exit 2
}
subs=$(cd "$subs" && pwd) || exit 1
if [ -n "$hidden" ]; then
	hidden=$(cd "$hidden" && pwd) || exit 2
fi
mkdir -p "$(dirname "$csv")" || exit 1
csv=$(cd "$(dirname "$csv")" && pwd)/$(basename "$csv")
res=$csv.results
state=$build/tmp/grade-class
mkdir -p "$res" "$state" || exit 1
# The make that runs this passes its command line down (CH=, T=, ...).
unset MAKEFLAGS MFLAGS MAKELEVEL T CH V SAN HIDDEN BUILD_FAILED GRADER_FLAGS
wall0=$(date +%s)

# sum FILE...: one checksum of the files' names and contents.
sum() {
	tr '\n' '\0' | xargs -0 cksum 2>/dev/null | cksum | tr ' ' -
}

# ---- The base: prepared once for this tree's contents ------------------
tree=$(sh exercises/tools/tree-files.sh | sum)
base=$state/base-$tree
exec 8>"$state/base.lock"
flock 8
if [ ! -f "$base.ready" ]; then
	rm -rf "$state"/base-* "$base.files"
	echo "grade-class: preparing the base (the student tree, built) in $base"
	t0=$(date +%s)
	sh "$tools/grade-base.sh" "$top" "$base" >"$state/base.log" 2>&1 || {
		cat "$state/base.log"
		rm -rf "$base"
		echo "grade-class: the base could not be prepared"
		exit 1
	}
	date >"$base.ready"
	echo "grade-class: base ready in $(($(date +%s) - t0)) s"
else
	echo "grade-class: base $base (this tree unchanged: reused)"
fi
flock -u 8
exec 8>&-
hsum=none
[ -z "$hidden" ] || hsum=$(find "$hidden" -type f | sort | sum)
key="tree $tree chapter ${ch:-all} hidden $hsum"
# subsum DIR: a checksum of a submission's files, names and contents (a
# copy that kept old times, cp -p or unzip, still counts as changed).
subsum() {
	(cd "$1" && find . -type f | LC_ALL=C sort | xargs -d '\n' cksum |
		cksum)
}

# The exercises, one CSV column each: CH's only with --chapter.
ids=$(sh exercises/tools/tree-files.sh | "$build/exercises/mkstudent" --list |
	cut -f1 | sort -u | grep "^ch${ch:-}") || {
	echo "grade-class: $build/exercises/mkstudent --list failed"
	exit 1
}

# ---- What to grade: new, changed or unfinished -------------------------
# What a run stopped by SIGKILL left.
for r in "$state"/run.*; do
	[ -d "$r" ] && ! kill -0 "${r##*.}" 2>/dev/null && rm -rf "$r"
done
run=$state/run.$$
mkdir -p "$run/claim"
: >"$run/queue"
kept=0 total=0
for d in "$subs"/*/; do
	[ -d "$d" ] || continue
	name=$(basename "$d")
	total=$((total + 1))
	out=$res/$name
	if [ "$force" = 0 ] && [ -f "$out/done" ] &&
		[ "$(cat "$out/done")" = "$key sub $(subsum "$d")" ] &&
		[ -z "$(find "$d" -newer "$out/done" -print | head -n 1)" ]; then
		echo "$name: graded already, kept"
		kept=$((kept + 1))
	else
		# FORCE=1 stopped halfway goes on from there, without FORCE.
		rm -f "$out/done"
		echo "$name" >>"$run/queue"
	fi
done
[ "$total" -gt 0 ] || {
	echo "grade-class: no submission (no folder) in $subs"
	rm -rf "$run"
	exit 2
}
todo=$(wc -l <"$run/queue")
workers=$jobs
[ "$workers" -le "$todo" ] || workers=$todo
mj=1
[ "$workers" = 0 ] || mj=$((ncpu / workers))
[ "$mj" -ge 1 ] || mj=1
limit=$((${KVMLAB_GRADE_TIMEOUT:-1800} + ${KVMLAB_BUILD_TIMEOUT:-300} + 300))

# note OUT STATUS: the CSV's note for a graded submission, one line.
note() {
	n=''
	add() { n="${n:+$n; }$*"; }
	f=$1/note.txt
	if [ "$2" = 124 ] || [ "$2" = 137 ]; then
		add "the grader did not finish in $limit s"
	elif [ ! -s "$1/scores.txt" ]; then
		if grep -q 'DID NOT FINISH' "$1/results.json" 2>/dev/null; then
			add "grading did not finish"
		else
			add "the grader wrote no scores (status $2)"
		fi
	fi
	if grep -q 'THE BUILD DID NOT FINISH' "$f" 2>/dev/null; then
		add "the build did not finish"
	elif grep -q 'DOES NOT BUILD' "$f" 2>/dev/null; then
		add "does not build"
	fi
	grep -q 'No exercise file was found' "$f" 2>/dev/null &&
		add "no exercise file found"
	c=$(sed -n 's/^ignored: \([0-9]*\) file(s) changed outside.*/\1/p' \
		"$f" 2>/dev/null)
	[ -z "$c" ] || add "$c file(s) outside the exercises ignored"
	c=$(grep -c 'is a symbolic link\|is over 1 MiB' "$f" 2>/dev/null)
	[ "${c:-0}" = 0 ] || add "$c exercise file(s) ignored (link or over 1 MiB)"
	printf '%s\n' "$n" | tr ',"' ';'"'"
}

# grade NAME: one submission, into CSV.results/NAME; `done` last.
grade() {
	name=$1 out=$res/$1 work=$run/work/$1
	rm -rf "$out"
	mkdir -p "$out" && touch "$out/.started" || return 1
	t0=$(date +%s)
	timeout -k 30 "$limit" sh "$tools/grade-one.sh" --base "$base" \
		--submission "$subs/$name" --out "$out" --work "$work" \
		--jobs "$mj" ${hidden:+--hidden "$hidden"} \
		${ch:+--chapter "$ch"} >"$out/grade-one.out" 2>&1
	status=$?
	rm -rf "$work"
	secs=$(($(date +%s) - t0))
	n=$(note "$out" "$status")
	score=$(awk '$1 == "total" { print $2 "/" $3 }' "$out/scores.txt" \
		2>/dev/null)
	line="$name: ${score:-0/?} in $secs s${n:+ ($n)}"
	{
		echo "seconds $secs"
		echo "status $status"
		echo "note $n"
	} >"$out/class.txt"
	{
		echo "== grade-one's own output (status $status)"
		cat "$out/grade-one.out"
		echo "== grade-class: $line"
	} >>"$out/grade.log"
	rm -f "$out/grade-one.out"
	echo "$key sub $(subsum "$subs/$name")" >"$out/done.tmp"
	touch -r "$out/.started" "$out/done.tmp"
	mv "$out/done.tmp" "$out/done"
	echo "$line"
}

# worker: grade the queue's submissions that no other worker claimed.
worker() {
	i=0
	while read -r name; do
		i=$((i + 1))
		mkdir "$run/claim/$i" 2>/dev/null || continue
		grade "$name"
	done <"$run/queue"
}

# Stopped (Ctrl-C, kill): stop every grading under way, keep what is done.
pids=''
descendants() {
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
stop() {
	trap '' INT TERM HUP
	echo "grade-class: stopped; what finished is kept, run it again to go on"
	all=$(for p in $pids; do echo "$p"; descendants "$p"; done)
	# shellcheck disable=SC2086 # one word a pid
	[ -z "$all" ] || kill -TERM $all 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		# shellcheck disable=SC2086
		kill -0 $all 2>/dev/null || break
		sleep 0.5
	done
	# shellcheck disable=SC2086
	[ -z "$all" ] || kill -KILL $all 2>/dev/null
	rm -rf "$run"
	exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM HUP

if [ "$todo" -gt 0 ]; then
	echo "grade-class: grading $todo submission(s), $workers at once${ch:+, chapter $ch}${hidden:+, hidden tests from $hidden}"
	w=0
	while [ "$w" -lt "$workers" ]; do
		worker &
		pids="$pids $!"
		w=$((w + 1))
	done
	wait
fi
trap - INT TERM HUP
rm -rf "$run"

# ---- The CSV, from every submission's finished result ------------------
(cd "$subs" && for d in */; do [ -d "$d" ] && echo "${d%/}"; done) |
	LC_ALL=C sort >"$csv.names"
missing=0
while read -r name; do
	[ -f "$res/$name/done" ] || missing=$((missing + 1))
done <"$csv.names"
[ "$missing" = 0 ] || {
	echo "grade-class: $missing submission(s) have no finished result: no CSV"
	rm -f "$csv.names"
	exit 1
}
while read -r name; do
	printf 'name %s\n' "$name"
	cat "$res/$name/scores.txt" 2>/dev/null
	cat "$res/$name/class.txt"
done <"$csv.names" | awk -v ids="$(echo "$ids" | tr '\n' ' ')" '
function q(s) {
	if (s !~ /[,"]/)
		return s
	gsub(/"/, "\"\"", s)
	return "\"" s "\""
}
BEGIN { nid = split(ids, id, " "); for (i = 1; i <= nid; i++) known[id[i]] = 1 }
$1 == "name" { name[++n] = substr($0, 6); next }
$1 == "exercise" {
	if (!($2 in known)) {
		known[$2] = 1
		id[++nid] = $2
	}
	s[$2, n] = $3
}
$1 == "total" { total[n] = $2; max[n] = $3; if (classmax == "") classmax = $3 }
$1 == "note" { note[n] = substr($0, 6) }
END {
	printf "submission,total,max"
	for (i = 1; i <= nid; i++)
		printf ",%s", id[i]
	printf ",note\n"
	for (r = 1; r <= n; r++) {
		printf "%s,%s,%s", q(name[r]), (r in total) ? total[r] : 0, (r in max) ? max[r] : classmax
		for (i = 1; i <= nid; i++)
			printf ",%s", ((id[i], r) in s) ? s[id[i], r] : 0
		printf ",%s\n", q(note[r])
	}
}' >"$csv.tmp" && mv "$csv.tmp" "$csv" || exit 1
rm -f "$csv.names"

# ---- Totals ------------------------------------------------------------
noted=$(awk -F, 'NR > 1 && $NF != "" { n++ } END { print n + 0 }' "$csv")
echo "grade-class: $total submission(s) in $csv: $todo graded," \
	"$kept kept, $noted with a note; mean $(awk -F, 'NR > 1 { s += $2; n++ }
	END { if (n) printf "%.1f", s / n }' "$csv") of" \
	"$(awk -F, 'NR == 2 { print $3 }' "$csv"); wall time" \
	"$(($(date +%s) - wall0)) s (JOBS=$jobs)"
