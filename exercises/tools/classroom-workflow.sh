#!/bin/sh
# The GitHub Actions workflow of a student tree for GitHub Classroom
# (make student writes it to DEST/.github/workflows/classroom.yml).
#
#   usage: classroom-workflow.sh [NN...]    (from the top of the tree)
#
# One step per chapter that has a rubric (exercises/NN-*/rubric), or per
# chapter named (NN...): a new chapter gets its step when the workflow is
# written again, no YAML to edit.  Each step runs
# exercises/tools/classroom-step.sh NN, which grades the chapter and
# hands its points to GitHub Classroom's reporter
# (classroom-resources/autograding-grading-reporter@v1) as the step's
# output `result`.  The reporter finds the job's check run by the name
# run-autograding-tests (the job's id: the job has no name of its own) and
# writes the points on it, where Classroom reads them.
set -u

# The chapters: NN and the rubric's folder, one a line.
chapters() {
	if [ $# -eq 0 ]; then
		for r in exercises/[0-9][0-9]-*/rubric; do
			[ -f "$r" ] && dirname "$r"
		done
		return
	fi
	for nn in "$@"; do
		case $nn in
		[0-9][0-9]) ;;
		*) echo "classroom-workflow: $nn: expected a chapter as NN" >&2
			return 1 ;;
		esac
		set -- exercises/"$nn"-*/rubric
		[ -f "$1" ] || {
			echo "classroom-workflow: chapter $nn has no rubric" \
				"(exercises/$nn-*/rubric)" >&2
			return 1
		}
		dirname "$1"
	done
}

# points RUBRIC: the sum of its tests' points.
points() {
	awk '$1 ~ /^[0-9][0-9]$/ && NF >= 6 { p += $4 } END { print p + 0 }' "$1"
}

dirs=$(chapters "$@") || exit 2
[ -n "$dirs" ] || {
	echo "classroom-workflow: no chapter has a rubric (exercises/NN-*/rubric)" >&2
	exit 2
}

cat <<'YAML'
# GitHub Classroom autograding for kvmlab: on every push, the graded tests
# of each chapter, one step per chapter, and their points to Classroom.
# Written by exercises/tools/classroom-workflow.sh (make student); the
# instructor's guide is exercises/README.md, "GitHub Classroom, step by
# step" (which chapters count: write it again with the chapters as
# arguments, or delete a chapter's step and its name in `runners`).
name: Autograding Tests
"on": [push, workflow_dispatch, repository_dispatch]

permissions:
  checks: write
  actions: read
  contents: read

jobs:
  # The reporter looks for the check run of this job by this name.
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 120
    steps:
      - name: Checkout code
        uses: actions/checkout@v4

      # /dev/kvm for the runner's user when the runner has one; otherwise
      # the KVM tests run in kvmlab's emulated machine (KVM=auto).
      - name: KVM, or the emulated machine
        run: sh exercises/tools/classroom-step.sh machine

      - name: Packages (mk/deps.sh)
        run: |
          sudo sh mk/deps.sh grade
          if [ ! -e /dev/kvm ]; then sudo sh mk/deps.sh emulated; fi

      # A build that fails does not stop the job: every chapter then
      # reports 0 points with the compiler's first error.
      - name: Build
        continue-on-error: true
        run: sh exercises/tools/classroom-step.sh build
YAML

runners=
for d in $dirs; do
	base=${d#exercises/}
	nn=${base%%-*}
	title=${base#??-}
	n=$(points "$d/rubric")
	ch=$(echo "$nn" | sed 's/^0//')
	runners=${runners:+$runners,}ch$nn
	cat <<YAML

      - name: Chapter $ch, $title ($n points)
        id: ch$nn
        run: sh exercises/tools/classroom-step.sh $nn
YAML
done

cat <<'YAML'

      # Each test's whole log (the scoreboard names them), kept with the run.
      - name: Test logs
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: kvmlab-test-logs
          path: build/classroom/
          if-no-files-found: ignore

      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
YAML
for d in $dirs; do
	base=${d#exercises/}
	nn=${base%%-*}
	# shellcheck disable=SC2016 # ${{ }} is GitHub's, not the shell's
	printf '          CH%s_RESULTS: "${{ steps.ch%s.outputs.result }}"\n' \
		"$nn" "$nn"
done
cat <<YAML
        with:
          runners: $runners
YAML
