#!/bin/sh
# Run a fuzz target for a bounded time: the test fuzz/NAME in
# tests/fuzz.list.
#
#   tests/fuzz/run.sh NAME            the check: seed 1, a fixed number
#                                     of inputs ($FUZZ_SEED, $FUZZ_RUNS)
#   tests/fuzz/run.sh NAME SECONDS    explore: a new seed, that long
#
# The check starts libFuzzer from the same seed every time, so a run on
# a slow laptop and one on a fast server try the same inputs, and a
# failure in `make check` comes back when it is run again; exploring
# tries new inputs on each run, for finding what the check cannot.
#
# Builds $BUILD/fuzz/fuzz_NAME with clang (the Makefile's rule: `make`
# itself needs no clang), copies the seed corpus tests/fuzz/corpus/NAME/
# to a temporary folder (libFuzzer adds the inputs it finds to its corpus
# folder, and the source tree must stay as it is) and runs libFuzzer on
# it.  Any crash, sanitizer report, leak, hang or broken promise (the
# target aborts) fails the test, with libFuzzer's report and the input
# that did it.  The last lines are libFuzzer's final statistics and how
# many inputs ran in how long.  Skipped (77) without clang or libFuzzer's
# runtime: `sh mk/deps.sh check` installs both.
set -u

name=${1:?usage: tests/fuzz/run.sh NAME [SECONDS]}
secs=${2-}
# About 20 s each on a 2-core cloud VM (hypercall's inputs are smaller).
case $name in
hypercall) runs=${FUZZ_RUNS:-2000000} ;;
*) runs=${FUZZ_RUNS:-150000} ;;
esac
if [ -n "$secs" ]; then
	bound="-max_total_time=$secs"
	what="for $secs s with a new seed"
else
	bound="-seed=${FUZZ_SEED:-1} -runs=$runs"
	what="for $runs inputs from seed ${FUZZ_SEED:-1}"
fi
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here" || exit 1
BUILD=${BUILD:-build}
bin=$BUILD/fuzz/fuzz_$name
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
# dash runs the EXIT trap on a signal only if a signal trap exits.
trap 'exit 1' INT TERM HUP

[ -d "tests/fuzz/corpus/$name" ] || {
	echo "FAIL: no seed corpus tests/fuzz/corpus/$name"
	exit 1
}
command -v clang >/dev/null 2>&1 || {
	echo "needs clang: sh mk/deps.sh check installs it"
	exit 77
}
# clang without compiler-rt's libFuzzer cannot link a fuzz target.
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$TMP/probe.c"
clang -fsanitize=fuzzer "$TMP/probe.c" -o "$TMP/probe" >"$TMP/probe.log" 2>&1 || {
	echo "needs libFuzzer's runtime (libclang-rt-14-dev): $(tail -n 1 "$TMP/probe.log")"
	exit 77
}

# The make that runs `make check` passes its command line down in
# MAKEFLAGS and exports it (SAN=1 would move BUILD again, to
# build/san/san): build with ours only.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN make --no-print-directory \
	BUILD="$BUILD" "$bin" >"$TMP/build.log" 2>&1 || {
	echo "FAIL: $bin did not build"
	tail -n 20 "$TMP/build.log"
	exit 1
}

mkdir "$TMP/corpus" "$TMP/crash"
cp "tests/fuzz/corpus/$name"/* "$TMP/corpus/"
seeds=$(ls "$TMP/corpus" | wc -l)
echo "fuzzing $bin $what, from $seeds seeds"
start=$(date +%s)
# A finding exits 1: libFuzzer's own default, 77, is the runner's SKIP.
# shellcheck disable=SC2086 # $bound is two options or one
"$bin" $bound -print_final_stats=1 -timeout=10 \
	-error_exitcode=1 -artifact_prefix="$TMP/crash/" "$TMP/corpus" \
	>"$TMP/log" 2>&1
status=$?
took=$(($(date +%s) - start))
if [ "$status" -ne 0 ]; then
	echo "FAIL: fuzz_$name found a bad input (status $status)"
	grep -m 1 -E 'ERROR: |runtime error|broken promise|deadly signal|timeout' "$TMP/log"
	echo "--- libFuzzer's report (the end) ---"
	tail -n 40 "$TMP/log"
	for f in "$TMP"/crash/*; do
		[ -f "$f" ] || continue
		echo "--- the input: $(basename "$f"), $(wc -c <"$f") bytes ---"
		od -A x -t x1 "$f" | head -n 16
		# Kept, so it can be run again alone (or added to the seeds).
		cp "$f" "$BUILD/fuzz/" &&
			echo "run it again: $bin $BUILD/fuzz/$(basename "$f")"
	done
	exit 1
fi
grep '^stat::' "$TMP/log"
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/log")
found=$(ls "$TMP/corpus" | wc -l)
echo "ok: fuzz_$name ran ${runs:-?} inputs in $took s, no crash" \
	"(corpus $seeds -> $found inputs)"
