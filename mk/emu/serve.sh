#!/usr/bin/env bash
# Inside the emulated machine: run the jobs that mk/emu/exec.sh drops into
# DIR (one machine for a whole `make check`, not one per test).
#
#   serve.sh DIR      (mk/emu/run.sh --serve starts it as the machine's job)
#
# DIR/ID.req is a job (a sh script).  It runs in a process group of its own,
# stdin from /dev/null, output in ID.out and ID.err (both in ID.out when
# ID.both exists).  When it ends, what it left in its group gets SIGTERM and
# its status lands in ID.status.  ID.kill stops its group: SIGTERM, SIGKILL
# two seconds later.  DIR/stop ends the loop and every job left.
#
# The loop sleeps until something happens: exec.sh rings a bell (a byte on
# ttyS0, this script's stdin) after each change it makes, and each job rings
# as it ends.  Polling instead would take the one emulated CPU from the
# tests.  Every process started here costs tens of milliseconds under
# emulation, so the loop starts none of its own (no mv, sleep or setsid);
# job control (set -m) gives each job its own process group.  (No set -u:
# bash 5.2 takes an empty associative array for an unset one.)
dir=$1
declare -A running started kill_at
# Messages go to the machine's console log, not back down the bell.
exec >/dev/ttyS1 2>&1

start_job() {
	local id=$1
	started[$id]=1
	local err=$dir/$id.err
	[ -e "$dir/$id.both" ] && err=$dir/$id.out
	(
		if [ "$err" = "$dir/$id.out" ]; then
			sh "$dir/$id.req" </dev/null >"$err" 2>&1 9>&-
		else
			sh "$dir/$id.req" </dev/null >"$dir/$id.out" 2>"$err" 9>&-
		fi
		status=$?
		# One write of a few bytes: exec.sh reads it once not empty.
		echo "$status" >"$dir/$id.status"
		echo >&9
		exit "$status"
	) &
	running[$id]=$!
}

check_job() {
	local id=$1 pid=${running[$1]} status
	if kill -0 "$pid" 2>/dev/null; then
		[ -e "$dir/$id.kill" ] || return 0
		if [ -z "${kill_at[$id]:-}" ]; then
			kill -TERM -- "-$pid" 2>/dev/null
			kill_at[$id]=$((SECONDS + 2))
		elif [ "$SECONDS" -ge "${kill_at[$id]}" ]; then
			kill -KILL -- "-$pid" 2>/dev/null
		fi
		return 0
	fi
	wait "$pid"
	status=$?
	kill -TERM -- "-$pid" 2>/dev/null
	unset "running[$id]" "kill_at[$id]"
	# The job wrote its status, unless it was killed.
	[ -s "$dir/$id.status" ] || echo "$status" >"$dir/$id.status"
}

# The bell: bytes from ttyS0 and the jobs' ends, one FIFO to wait on.  cat
# starts before job control: in a process group of its own it would be
# stopped for reading the terminal.
mkfifo /tmp/serve-bell && exec 9<>/tmp/serve-bell
exec 8<&0
cat <&8 >&9 8<&- &
exec 8<&-
set -m
while [ ! -e "$dir/stop" ]; do
	for f in "$dir"/*.req; do
		[ -e "$f" ] || break
		id=${f##*/}
		id=${id%.req}
		[ -n "${started[$id]:-}" ] || start_job "$id"
	done
	for id in "${!running[@]}"; do
		check_job "$id"
	done
	# Woken by a ring; once a second regardless, for a job stopping
	# after its SIGTERM.
	read -r -n 1 -t 1 -u 9 _
done
for id in "${!running[@]}"; do
	kill -KILL -- "-${running[$id]}" 2>/dev/null
done
exit 0
