#!/bin/sh
# The grader itself did not build (a broken toolchain, a damaged tree):
# still leave results files in DIR, as `make check` promises, saying so.
# usage: unbuilt.sh DIR
dir=${1:?usage: unbuilt.sh DIR}
mkdir -p "$dir"
why="the grader (build/tests/runner) did not build: see the make output"
printf '{"score": 0, "output": "%s", "tests": []}\n' "$why" >"$dir/.r.tmp" &&
	mv "$dir/.r.tmp" "$dir/results.json"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kvmlab" tests="1" failures="1"><testsuite name="grader" tests="1" failures="1"><testcase classname="grader" name="build"><failure message="%s"/></testcase></testsuite></testsuites>\n' "$why" >"$dir/.j.tmp" &&
	mv "$dir/.j.tmp" "$dir/junit.xml"
printf 'TAP version 13\n1..1\nnot ok 1 - grader build\n#   %s\n' "$why" >"$dir/.t.tmp" &&
	mv "$dir/.t.tmp" "$dir/results.tap"
printf 'total 0 0\ntests 0 1 0\nbuild failed\n' >"$dir/.s.tmp" &&
	mv "$dir/.s.tmp" "$dir/scores.txt"
echo "0 passed, 1 failed"
