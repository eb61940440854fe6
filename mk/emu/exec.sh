#!/usr/bin/env bash
# Run one command in the emulated machine that `mk/emu/run.sh --serve`
# started (KVMLAB_EMU_SESSION names it): tests/runner uses it for every
# test that needs KVM, so a whole `make check` boots the machine once.
#
#   KVMLAB_EMU_SESSION=DIR mk/emu/exec.sh COMMAND [ARGS...]
#
# COMMAND runs in this directory and environment, stdin from /dev/null; its
# output is printed when it ends (stdout and stderr, or both in their order
# when they are one file here), and its status is this script's.  SIGTERM
# or SIGINT stops it in the machine first.
set -u
. "$(dirname "$0")/lib.sh"

say() { printf 'kvmlab: emulated machine: %s\n' "$*" >&2; }
dir=${KVMLAB_EMU_SESSION:-}
[ -n "$dir" ] && [ -d "$dir" ] || {
	say "no machine to run in (KVMLAB_EMU_SESSION is not a folder)"
	say "run it as: mk/emu/run.sh --serve -- COMMAND"
	exit 69
}
[ $# -ge 1 ] || { echo "usage: mk/emu/exec.sh COMMAND [ARGS...]" >&2; exit 64; }

id=$$.$RANDOM
job=$dir/$id
# One file when stdout and stderr are one file here (the grader's log).
if [ "$(stat -L -c %d:%i /proc/self/fd/1 2>/dev/null)" = \
	"$(stat -L -c %d:%i /proc/self/fd/2 2>/dev/null)" ]; then
	: >"$job.both"
fi

stopping=0
finish() {
	local status=$1
	[ -e "$job.out" ] && cat "$job.out"
	[ -e "$job.err" ] && cat "$job.err" >&2
	rm -f "$job".*
	exit "$status"
}
# ring: wake the machine's serve.sh (a byte down its ttyS0).
ring() {
	kill -0 "$qemu" 2>/dev/null && printf x >"$dir/bell.in"
}
stop() {
	stopping=1
	: >"$job.kill"
	ring
}
trap stop TERM INT HUP

qemu=$(cat "$dir/qemu.pid" 2>/dev/null)
job_script "$@" >"$job.tmp" && mv "$job.tmp" "$job.req"
ring
deadline=
while [ ! -s "$job.status" ]; do
	if [ -n "$qemu" ] && ! kill -0 "$qemu" 2>/dev/null; then
		say "the machine stopped while running: $*"
		finish 69
	fi
	if [ "$stopping" = 1 ]; then
		[ -n "$deadline" ] || deadline=$((SECONDS + 3))
		[ "$SECONDS" -lt "$deadline" ] || finish 143
	fi
	sleep 0.02
done
status=$(cat "$job.status")
[ "$stopping" = 1 ] && [ "$status" = 0 ] && status=143
finish "${status:-69}"
