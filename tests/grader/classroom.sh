#!/bin/sh
# The GitHub Classroom workflow that `make student` writes, checked outside
# GitHub (exercises/tools/classroom-workflow.sh, classroom-step.sh).
#
#   classroom.sh workflow   the student tree's .github/workflows/classroom.yml
#                           is valid YAML and names only what exists: the
#                           reporter's runners are steps, each chapter step
#                           a chapter with a rubric, each script and make
#                           target in the student tree, each action known
#   classroom.sh step       the step itself, GITHUB_OUTPUT a file: chapter
#                           4 decodes to 0 of its points in a student tree,
#                           to all of them in this tree, and to 0 with the
#                           compiler's error when the build failed
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"

top=$(pwd)
case $BUILD in /*) abs_build=$BUILD ;; *) abs_build=$top/$BUILD ;; esac
# Nothing of the make that runs this test reaches the trees' own makes.
unset MAKEFLAGS MFLAGS MAKELEVEL T CH V HIDDEN GRADER_FLAGS

# The actions the workflow may use: GitHub's checkout and artifact upload,
# and Classroom's reporter.  The reporter (v1) finds its job's check run by
# this name.
KNOWN_ACTIONS="actions/checkout@v4 actions/upload-artifact@v4
classroom-resources/autograding-grading-reporter@v1"
CHECK_RUN=run-autograding-tests

workflow() {
	python3 -c 'import yaml' 2>/dev/null ||
		skip "needs Python's YAML parser: the Debian package python3-yaml" \
			"(sh mk/deps.sh check installs it)"
	make --no-print-directory BUILD="$BUILD" student DEST="$TMP/student" \
		>"$OUT" 2>"$ERR" || fail "make student failed"
	wf=$TMP/student/.github/workflows/classroom.yml
	[ -s "$wf" ] || fail "make student wrote no $wf"
	python3 - "$wf" "$TMP/student" "$KNOWN_ACTIONS" "$CHECK_RUN" \
		>"$OUT" 2>&1 <<'PY' || fail "the workflow: $(tail -n 1 "$OUT")"
import glob, os, re, shlex, sys
import yaml

path, tree, known, check_run = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
problems = []
def bad(msg):
    problems.append(msg)

try:
    wf = yaml.safe_load(open(path))
except yaml.YAMLError as e:
    sys.exit("not valid YAML: %s" % str(e).replace("\n", " "))
if not isinstance(wf, dict):
    sys.exit("not a mapping at the top")

on = wf.get("on", wf.get(True))
for ev in ("push", "workflow_dispatch", "repository_dispatch"):
    if not isinstance(on, list) or ev not in on:
        bad("'on' lacks %s" % ev)
if wf.get("permissions") != {"checks": "write", "actions": "read", "contents": "read"}:
    bad("permissions are not checks: write, actions: read, contents: read")
jobs = wf.get("jobs") or {}
if list(jobs) != [check_run]:
    bad("jobs are %s, not the one the reporter looks for, %s" % (list(jobs), check_run))
job = jobs.get(check_run) or {}
if job.get("name", check_run) != check_run:
    bad("job %s has a name of its own: its check run is no longer %s" % (check_run, check_run))
if job.get("if") != "github.actor != 'github-classroom[bot]'":
    bad("the job does not skip Classroom's own pushes")
if job.get("runs-on") != "ubuntu-latest":
    bad("runs-on is not ubuntu-latest")

def makefile_targets():
    text = ""
    for f in [os.path.join(tree, "Makefile")] + glob.glob(os.path.join(tree, "*/*.mk")):
        text += open(f).read()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.M))
targets = makefile_targets()
deps = open(os.path.join(tree, "mk/deps.sh")).read()

def check_command(line, where):
    """sh SCRIPT: the script is in the tree; make ... TARGET: the target
    is one of the tree's; sh mk/deps.sh GROUP: deps.sh has the group."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return
    for i, w in enumerate(words):
        if w == "sh" and i + 1 < len(words) and not words[i + 1].startswith("-"):
            script = words[i + 1]
            if not os.path.isfile(os.path.join(tree, script)):
                bad("%s runs %s, which is not in the student tree" % (where, script))
            if script == "mk/deps.sh" and i + 2 < len(words):
                group = words[i + 2].rstrip(";")
                if not re.search(r"^\s*([\w-]+\|)*%s(\|[\w-]+)*\)" % re.escape(group), deps, re.M):
                    bad("%s runs mk/deps.sh %s: no such group" % (where, group))
        if w == "make":
            for t in words[i + 1:]:
                if re.search(r"[<>|;&]", t):
                    break
                if t.startswith("-") or "=" in t:
                    continue
                if t not in targets:
                    bad("%s runs make %s: no such target in the student tree" % (where, t))

steps = job.get("steps") or []
ids = [s.get("id") for s in steps if s.get("id")]
if len(ids) != len(set(ids)):
    bad("step ids repeat: %s" % ids)
reporter = None
scripts = set()
for n, s in enumerate(steps):
    where = "step %d (%s)" % (n + 1, s.get("name", s.get("id", "?")))
    if "uses" in s:
        if s["uses"] not in known:
            bad("%s uses %s, not one of %s" % (where, s["uses"], " ".join(known)))
        if s["uses"].startswith("classroom-resources/autograding-grading-reporter@"):
            if reporter is not None:
                bad("two reporter steps")
            reporter = (n, s)
    elif "run" in s:
        for line in str(s["run"]).splitlines():
            check_command(line, where)
            m = re.search(r"\bsh (\S+\.sh)\b", line)
            if m:
                scripts.add(m.group(1))
    else:
        bad("%s neither uses an action nor runs a command" % where)
    m = re.fullmatch(r"ch(\d\d)", s.get("id") or "")
    if m:
        nn = m.group(1)
        if not glob.glob(os.path.join(tree, "exercises/%s-*/rubric" % nn)):
            bad("%s is chapter %s, which has no exercises/%s-*/rubric" % (where, nn, nn))
        if str(s.get("run", "")).split() != ["sh", "exercises/tools/classroom-step.sh", nn]:
            bad("%s does not run classroom-step.sh %s" % (where, nn))
        if s.get("continue-on-error") is not None or "if" in s:
            bad("%s has conditions of its own: the step always succeeds" % where)

# The scripts the steps run: their own make targets exist too.
for script in sorted(s for s in scripts if os.path.isfile(os.path.join(tree, s))):
    text = open(os.path.join(tree, script)).read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if re.match(r"^(\w+=\S+\s+)*make\b", line):
            check_command(line, script)

chapters = sorted(re.sub(r".*/exercises/(\d\d)-[^/]*/rubric$", r"\1", r)
                  for r in glob.glob(os.path.join(tree, "exercises/[0-9][0-9]-*/rubric")))
chapter_steps = sorted(i[2:] for i in ids if re.fullmatch(r"ch\d\d", i))
if chapter_steps != chapters:
    bad("chapter steps %s, chapters with a rubric %s" % (chapter_steps, chapters))
if reporter is None:
    bad("no step uses classroom-resources/autograding-grading-reporter")
else:
    n, s = reporter
    if n != len(steps) - 1:
        bad("the reporter is not the last step")
    runners = [r.strip() for r in str((s.get("with") or {}).get("runners", "")).split(",") if r.strip()]
    if not runners:
        bad("the reporter names no runners")
    before = [t.get("id") for t in steps[:n]]
    env = s.get("env") or {}
    for r in runners:
        if r not in before:
            bad("runner %s is not the id of a step before the reporter" % r)
        want = "${{ steps.%s.outputs.result }}" % r
        if env.get(r.upper() + "_RESULTS") != want:
            bad("the reporter's %s_RESULTS is not %s" % (r.upper(), want))
    for k in env:
        if k.endswith("_RESULTS") and k[:-8].lower() not in runners:
            bad("the reporter's %s names no runner" % k)
    if sorted(i for i in ids if re.fullmatch(r"ch\d\d", i)) != sorted(runners):
        bad("runners %s are not the chapter steps %s" % (runners, chapter_steps))

for p in problems:
    print(p)
if problems:
    sys.exit("%d problems, the first: %s" % (len(problems), problems[0]))
print("ok: %d chapter steps: %s" % (len(chapter_steps), " ".join(chapter_steps)))
PY
	cat "$OUT"
}

# decode OUTFILE: the JSON of the last result= line in OUTFILE, checked by
# Python against what the reporter reads; prints
# "STATUS SCORE MAX TESTS FAILED MESSAGE-OF-THE-FIRST-FAILURE".
decode() {
	[ "$(grep -c '^result=' "$1")" = 1 ] || fail "$1 holds not one result= line"
	sed -n 's/^result=//p' "$1" | base64 -d >"$1.json" ||
		fail "the result in $1 is not base64"
	python3 - "$1.json" <<'PY' || fail "the result: $(cat "$1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["version"] == 1, "version"
assert r["status"] in ("pass", "fail", "error"), r["status"]
assert isinstance(r["max_score"], (int, float)), "max_score"
tests = r["tests"]
assert tests, "no tests"
keys = {"name", "status", "score", "message", "line_no", "test_code", "filename"}
for t in tests:
    assert set(t) == keys, "test keys %s" % sorted(t)
    assert t["status"] in ("pass", "fail", "error"), t["status"]
failed = [t for t in tests if t["status"] != "pass"]
print(r["status"], sum(t["score"] for t in tests), r["max_score"], len(tests),
      len(failed), failed[0]["message"] if failed else "")
PY
}

# step TREE BUILD OUTFILE ARG: the step in TREE, as the workflow runs it.
step() {
	(cd "$1" && env BUILD="$2" GITHUB_OUTPUT="$3" GITHUB_ACTIONS= \
		GITHUB_STEP_SUMMARY= sh exercises/tools/classroom-step.sh "$4") \
		>"$3.log" 2>&1
}

step_test() {
	[ ! -f .kvmlab-student ] ||
		skip "reference tree only: the step is checked against the" \
			"solutions, and this is a student tree (.kvmlab-student)"
	command -v python3 >/dev/null 2>&1 ||
		skip "needs python3 to decode the step's JSON (Debian package python3)"
	set -f # the decoded words hold no pattern to expand
	# Chapter 4: its graded tests are quick (cmocka, a few guest runs).
	graded=$(grep -c '^04 ' exercises/04-port-io/rubric)
	d=$abs_build/tmp/classroom
	rm -rf "$d"
	mkdir -p "$d"
	sh exercises/tools/tree-files.sh | "$abs_build/exercises/mkstudent" \
		"$d/student" >/dev/null || fail "mkstudent failed"

	# This tree, built already: every point of the chapter.
	: >"$d/ref.out"
	step "$top" "$BUILD" "$d/ref.out" build ||
		fail "the build step failed here: $(tail -n 3 "$d/ref.out.log")"
	t0=$(date +%s)
	step "$top" "$BUILD" "$d/ref.out" 04 ||
		fail "the step exited non-zero here"
	echo "this tree: chapter 4 graded in $(($(date +%s) - t0)) s"
	dec=$(decode "$d/ref.out") || { echo "$dec"; exit 1; }
	# shellcheck disable=SC2086 # its words
	set -- $dec
	[ "$1 $2 $4" = "pass $3 $graded" ] ||
		fail "this tree: status $1, $2 of $3 points, $4 tests (want pass," \
			"full marks, $graded tests); log $(tail -n 5 "$d/ref.out.log")"
	max=$3
	echo "this tree: chapter 4 $2 of $max points, $4 tests"

	# The student tree, its build failed: 0 points and the compiler's error.
	mkdir -p "$d/student/b/classroom"
	echo 2 >"$d/student/b/classroom/build.status"
	printf 'kvmlab/dev/serial8250.c:9:1: error: expected %s\n' "';'" \
		>"$d/student/b/classroom/build.log"
	: >"$d/failed.out"
	(unset GB; step "$d/student" b "$d/failed.out" 04) ||
		fail "the step exited non-zero after a failed build"
	dec=$(decode "$d/failed.out") || { echo "$dec"; exit 1; }
	# shellcheck disable=SC2086 # its words
	set -- $dec
	[ "$1 $2 $3" = "error 0 $max" ] ||
		fail "a failed build: status $1, $2 of $3 points (want error, 0 of $max)"
	grep -q "serial8250.c:9:1: error: expected" "$d/failed.out.json" ||
		fail "a failed build: the compiler's error is not the message"
	echo "failed build: chapter 4 $2 of $3 points, status $1"

	# The student tree built: every test fails, 0 points of the same.
	rm -rf "$d/student/b/classroom"
	: >"$d/student.out"
	t0=$(date +%s)
	(unset GB; step "$d/student" b "$d/student.out" build) ||
		fail "the student tree does not build: $(tail -n 5 "$d/student.out.log")"
	t1=$(date +%s)
	(unset GB; step "$d/student" b "$d/student.out" 04) ||
		fail "the step exited non-zero in the student tree"
	echo "student tree: built in $((t1 - t0)) s, chapter 4 graded in" \
		"$(($(date +%s) - t1)) s"
	dec=$(decode "$d/student.out") || { echo "$dec"; exit 1; }
	# shellcheck disable=SC2086 # its words
	set -- $dec
	[ "$1 $2 $3 $4 $5" = "fail 0 $max $graded $graded" ] ||
		fail "the student tree: status $1, $2 of $3 points, $5 of $4" \
			"tests failed (want fail, 0 of $max, all $graded)"
	shift 5
	[ -n "$*" ] || fail "the student tree: a failed test has no message"
	echo "student tree: chapter 4 0 of $max points, $graded tests failed" \
		"(\"$*\")"
	rm -rf "$d"
}

case ${1:-} in
workflow) workflow ;;
step) step_test ;;
*)
	echo "usage: $0 workflow|step"
	exit 2
	;;
esac
echo "ok: classroom $1"
