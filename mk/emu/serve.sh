#!/usr/bin/env bash
# Inside the emulated machine: run the jobs that mk/emu/exec.sh drops into
# DIR (one machine for a whole `make check`, not one per test).
#
#   serve.sh DIR      (mk/emu/run.sh --serve starts it as the machine's job)
#
# For each DIR/ID.req: rename it ID.job and run it in a session of its own
# (the job writes its process group to ID.pgid), with its output in ID.out
# (and ID.err unless ID.both says both streams go to one file); its status
# lands in ID.status, written last.  ID.kill stops the job's group: SIGTERM,
# SIGKILL two seconds later.  DIR/stop ends the loop and every job left.
set -u
dir=$1
declare -A kill_at

start_job() {
	local id=$1
	mv "$dir/$id.req" "$dir/$id.job" || return
	(
		if [ -e "$dir/$id.both" ]; then
			setsid sh "$dir/$id.job" </dev/null >"$dir/$id.out" 2>&1
		else
			setsid sh "$dir/$id.job" </dev/null >"$dir/$id.out" 2>"$dir/$id.err"
		fi
		echo $? >"$dir/$id.st"
		mv "$dir/$id.st" "$dir/$id.status"
	) &
}

stop_job() {
	local id=$1 pgid
	pgid=$(cat "$dir/$id.pgid" 2>/dev/null) || return
	if [ -z "${kill_at[$id]:-}" ]; then
		kill -TERM -- "-$pgid" 2>/dev/null
		kill_at[$id]=$((SECONDS + 2))
	elif [ "$SECONDS" -ge "${kill_at[$id]}" ]; then
		kill -KILL -- "-$pgid" 2>/dev/null
	fi
}

# A wait that forks nothing (sleep(1) would, fifty times a second).
mkfifo /tmp/serve-tick && exec 9<>/tmp/serve-tick
while [ ! -e "$dir/stop" ]; do
	for req in "$dir"/*.req; do
		[ -e "$req" ] || continue
		id=${req##*/}
		start_job "${id%.req}"
	done
	for k in "$dir"/*.kill; do
		[ -e "$k" ] || continue
		id=${k##*/}
		id=${id%.kill}
		if [ -e "$dir/$id.status" ]; then
			rm -f "$k"
			unset "kill_at[$id]"
		else
			stop_job "$id"
		fi
	done
	read -r -t 0.02 -u 9 _
done
for p in "$dir"/*.pgid; do
	[ -e "$p" ] && kill -KILL -- "-$(cat "$p")" 2>/dev/null
done
exit 0
