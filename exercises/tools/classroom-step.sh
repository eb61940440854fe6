#!/bin/sh
# The steps of the GitHub Classroom workflow (exercises/tools/
# classroom-workflow.sh writes it), run from the top of a student tree.
#
#   classroom-step.sh machine   /dev/kvm for the runner's user, when the
#                               runner has one (sudo: changes the machine)
#   classroom-step.sh build     make all; its status and log in
#                               $BUILD/classroom/ (exit status: make's)
#   classroom-step.sh NN        chapter NN's graded tests: the scoreboard,
#                               then result=<base64 JSON> in $GITHUB_OUTPUT
#
# The JSON is what GitHub Classroom's reporter
# (classroom-resources/autograding-grading-reporter@v1) reads from each
# step it names: {"version": 1, "status": "pass"|"fail"|"error",
# "max_score": N, "tests": [{"name", "status", "score", "message",
# "line_no", "test_code", "filename"}]}.  It sums the tests' scores and the
# steps' max_score into the points Classroom shows, so a test's partial
# points count.  A chapter step always exits 0 (later chapters still run);
# when the build failed it reports 0 points and the compiler's first error.
# BUILD (default build) is the build folder.  Outside GitHub,
# GITHUB_OUTPUT unset, the line goes to stdout.
set -u

build=${BUILD:-build}
out=$build/classroom

# asroot CMD...: CMD as root (the runner's user has sudo without password).
asroot() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

machine() {
	if [ -e /dev/kvm ]; then
		# GitHub's Linux runners have /dev/kvm, root's and group kvm's.
		echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"' |
			asroot tee /etc/udev/rules.d/99-kvmlab-kvm.rules >/dev/null
		asroot udevadm control --reload-rules
		asroot udevadm trigger --name-match=kvm
		if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
			asroot chmod 666 /dev/kvm
		fi
		echo "/dev/kvm: $(ls -l /dev/kvm)"
		echo "the KVM tests use it (KVM=auto checks that a VM can be created)"
	else
		echo "no /dev/kvm on this runner: the KVM tests run in kvmlab's" \
			"emulated machine (mk/emu/README.md), 10-20 times slower per exit"
	fi
	# Chapters 8 and 9 build their networks in user namespaces, which
	# Ubuntu 24.04 keeps from unprivileged users (AppArmor).
	f=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
	if [ -f "$f" ] && [ "$(cat "$f")" != 0 ]; then
		asroot sysctl -q -w kernel.apparmor_restrict_unprivileged_userns=0 &&
			echo "user namespaces allowed for the network chapters"
	fi
	return 0
}

do_build() {
	mkdir -p "$out"
	rm -f "$out/build.status"
	{
		LC_ALL=C make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" \
			BUILD="$build" all 2>&1
		echo $? >"$out/build.status"
	} | tee "$out/build.log"
	st=$(cat "$out/build.status")
	if [ "$st" != 0 ]; then
		echo "::error title=The build failed::$(first_error)"
		return "$st"
	fi
	echo "KVM: $(sh mk/kvm.sh "$build" which)"
	# Prepare the emulated machine once here, not in the first chapter.
	if [ "${GITHUB_ACTIONS:-}" = true ] &&
		[ "$(sh mk/kvm.sh "$build" which)" = emulated ]; then
		sh mk/kvm.sh "$build" run --announce -- true
	fi
	return 0
}

# first_error: the build log's first error line (or its last line).
first_error() {
	{
		grep -m 1 -E ': (fatal )?error|No rule to make|\*\*\*' "$out/build.log" ||
			tail -n 1 "$out/build.log"
	} 2>/dev/null | cut -c 1-300
}

# json_str TEXT: TEXT as the inside of a JSON string (ASCII, one line).
json_str() {
	printf '%s' "$1" | LC_ALL=C tr -d '\000-\037' |
		LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/[^ -~]/?/g'
}

# rubric_max RUBRIC: the sum of its tests' points.
rubric_max() {
	awk '$1 ~ /^[0-9][0-9]$/ && NF >= 6 { p += $4 } END { print p + 0 }' "$1"
}

# error_json MAX WHY: the chapter could not be graded: 0 of MAX points.
error_json() {
	printf '{"version":1,"status":"error","max_score":%s,"tests":[' "$1"
	printf '{"name":"chapter %s: not graded","status":"error","score":0,' "$nn"
	printf '"message":"%s","line_no":0,"test_code":"","filename":""}]}\n' \
		"$(json_str "$2")"
}

# scores_json MAX: the JSON from the runner's scores.txt, each failed
# test's message the first line of its output in results.json (already
# JSON-escaped there, one test a line).
scores_json() {
	awk -v max="$1" '
	FILENAME == ARGV[1] {
		if ($0 !~ /^ *\{"name": "/)
			next
		name = $0
		sub(/^ *\{"name": "/, "", name)
		sub(/".*/, "", name)
		msg = $0
		if (!sub(/.*"output": "/, "", msg))
			next
		sub(/"\}$/, "", msg)
		i = index(msg, "\\n")
		if (i > 0)
			msg = substr(msg, 1, i - 1)
		msg = substr(msg, 1, 300)
		# No escape cut in half: an odd run of backslashes at the end.
		if (match(msg, /\\+$/) && RLENGTH % 2 == 1)
			msg = substr(msg, 1, length(msg) - 1)
		out[name] = msg
		next
	}
	$1 == "graded" {
		n++
		st = $3 == "PASS" ? "pass" : "fail"
		if (st == "fail")
			failed++
		line = sprintf("{\"name\":\"%s (%s/%s points)\",\"status\":\"%s\",\"score\":%s,", $2, $4, $5, st, $4)
		if (st == "pass")
			line = line "\"message\":\"\",\"line_no\":0,\"test_code\":\"\","
		else
			line = line sprintf("\"message\":\"%s\",\"line_no\":0,\"test_code\":\"make check T=%s\",", out[$2], $2)
		tests = tests (n > 1 ? "," : "") line "\"filename\":\"\"}"
	}
	END {
		printf "{\"version\":1,\"status\":\"%s\",\"max_score\":%s,\"tests\":[%s]}\n", n == 0 ? "error" : failed ? "fail" : "pass", max, tests
	}' "$2" "$3"
}
# (A missing results.json leaves the tests without messages.)

# summary JSON_FILE SCORES: the chapter's points and failed tests in the
# log, as an annotation and in the job's summary page.
summary() {
	got=$(awk '$1 == "total" { print $2 }' "$2" 2>/dev/null)
	got=${got:-0}
	echo
	echo "Chapter $chn: $got of $max points (what GitHub Classroom gets)"
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		echo "::notice title=Chapter $chn::$got of $max points"
	fi
	[ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
	{
		echo "### Chapter $chn: $got of $max points"
		awk '$1 == "graded" && $3 != "PASS" {
			if (!n++) print "\n| test | result | points |\n|---|---|---|"
			printf "| `%s` | %s | %s/%s |\n", $2, $3, $4, $5
		}' "$2" 2>/dev/null
		echo
	} >>"$GITHUB_STEP_SUMMARY"
}

chapter() {
	nn=$1
	chn=${nn#0}
	set -- exercises/"$nn"-*/rubric
	rubric=$1
	res=$out/ch$nn
	rm -rf "$res"
	mkdir -p "$res"
	if [ ! -f "$rubric" ]; then
		max=0
		error_json 0 "chapter $nn has no rubric (exercises/$nn-*/rubric)" \
			>"$res/result.json"
	elif [ "$(cat "$out/build.status" 2>/dev/null)" != 0 ]; then
		max=$(rubric_max "$rubric")
		if [ -f "$out/build.status" ]; then
			why="the build failed, so no test ran: $(first_error)"
		else
			why="the build did not run (the Build step)"
		fi
		echo "Chapter $chn: 0 of $max points: $why"
		error_json "$max" "$why" >"$res/result.json"
	else
		max=$(rubric_max "$rubric")
		# Its status says a test failed: the scoreboard says it better.
		make --no-print-directory check-run BUILD="$build" \
			CHECK="$res/check" CH="$nn" GRADER_FLAGS="--only graded" \
			2>&1 | grep -v '^make: \*\*\* \[.*check-run\] Error [0-9]*$'
		if [ -s "$res/check/scores.txt" ] &&
			grep -q '^total ' "$res/check/scores.txt"; then
			max=$(awk '$1 == "total" { print $3 }' "$res/check/scores.txt")
			j=$res/check/results.json
			[ -f "$j" ] || j=/dev/null
			scores_json "$max" "$j" \
				"$res/check/scores.txt" >"$res/result.json"
		else
			error_json "$max" "the grader wrote no scores (see the log above)" \
				>"$res/result.json"
		fi
	fi
	summary "$res/result.json" "$res/check/scores.txt"
	line="result=$(base64 -w 0 <"$res/result.json")"
	if [ -n "${GITHUB_OUTPUT:-}" ]; then
		echo "$line" >>"$GITHUB_OUTPUT"
	else
		echo "$line"
	fi
	return 0
}

case ${1:-} in
machine) machine ;;
build) do_build ;;
[0-9][0-9]) chapter "$1" ;;
*)
	echo "usage: classroom-step.sh machine|build|NN" >&2
	exit 2 ;;
esac
