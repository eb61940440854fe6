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
# Every process started here costs tens of milliseconds under emulation, so
# the loop starts none of its own: no mv, no sleep(1), no setsid(1).  Job
# control (set -m) gives each job its own process group.  (No set -u: bash
# 5.2 takes an empty associative array for an unset one.)
set -m
dir=$1
declare -A running started kill_at

start_job() {
	local id=$1
	started[$id]=1
	if [ -e "$dir/$id.both" ]; then
		sh "$dir/$id.req" </dev/null >"$dir/$id.out" 2>&1 &
	else
		sh "$dir/$id.req" </dev/null >"$dir/$id.out" 2>"$dir/$id.err" &
	fi
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
	# One write of a few bytes: exec.sh reads it once it is not empty.
	echo "$status" >"$dir/$id.status"
}

# A wait that starts no process: read from a FIFO nobody writes to.
mkfifo /tmp/serve-tick && exec 9<>/tmp/serve-tick
idle=0
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
	# Quick while jobs come and go, slower once idle for a second.
	if [ "${#running[@]}" -gt 0 ]; then
		idle=0
	else
		idle=$((idle + 1))
	fi
	if [ "$idle" -gt 50 ]; then
		read -r -t 0.2 -u 9 _
	else
		read -r -t 0.02 -u 9 _
	fi
done
for id in "${!running[@]}"; do
	kill -KILL -- "-${running[$id]}" 2>/dev/null
done
exit 0
