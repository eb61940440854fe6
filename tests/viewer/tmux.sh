#!/bin/sh
# The real ncurses viewer in a real terminal: tmux, on a private socket
# (tmux -S, in the test's temporary directory),
# runs a chapter binary with --tui.  Keys go in with send-keys; the screen
# comes back with capture-pane, polled until the expected text appears or
# a deadline passes (no fixed sleeps).  Every case ends by checking that
# the terminal was given back: the shell's screen is there again, its
# modes (stty -a) are what they were, and what the guest and the VMM
# printed while the viewer ran was written out after it.
#
#   tests/viewer/tmux.sh quit|signal|fault|mono
. "$(dirname "$0")/../guest/lib.sh"
need_kvm
command -v tmux >/dev/null 2>&1 ||
	skip "needs tmux (mk/deps.sh check installs it)"

SOCK=$TMP/tmux.sock
S=v0 # the tmux session of the current run
WAIT=${VIEWER_WAIT:-30} # seconds any one screen may take to appear
tm() { tmux -S "$SOCK" -f "$TMP/tmux.conf" "$@"; }
# tmux daemonises: its server (and the viewer in it) leaves this process
# group, so the grader's SIGTERM at a timeout never reaches it.  This EXIT
# trap, which replaces lib.sh's (so it removes $TMP too), kills it on every
# way out; dash runs an EXIT trap after a signal only if the signal's own
# trap exits, hence the second line.
trap 'tmux -S "$SOCK" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP
# remain-on-exit keeps the pane (and what the shell printed) readable
# after the viewer's shell has ended.
printf 'set -g remain-on-exit on\nset -g default-terminal screen\n' \
	>"$TMP/tmux.conf"

abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BIN=$(abs "$BUILD")
GUESTS=$(abs "$GB")

# start ENV BINARY ARGS...: a 80x24 terminal running the viewer in a
# shell that notes the terminal's modes before and after it.  (The
# arguments are paths without spaces: $BUILD and $GB.)
start() {
	envset=$1
	shift
	cat >"$TMP/run.sh" <<EOF
$envset
echo BEFORE-THE-VIEWER
stty -a >"$TMP/stty.before"
sh -c 'echo \$\$ >"$TMP/pid"; exec "\$@"' viewer $*
status=\$?
# The modes first, renamed into place, then the line the test waits for:
# when VIEWER-EXIT shows, stty.after is complete.
stty -a >"$TMP/stty.after.tmp" && mv "$TMP/stty.after.tmp" "$TMP/stty.after"
echo "VIEWER-EXIT=\$status"
EOF
	S=v$((${S#v} + 1)) # a new session each time
	tm new-session -d -s $S -x 80 -y 24 "sh $TMP/run.sh"
}

screen() { tm capture-pane -p -t $S "$@" >"$TMP/screen" 2>/dev/null; }

# wait_for TEXT: until the screen shows TEXT, at most $WAIT seconds.
wait_for() {
	end=$(($(date +%s) + WAIT))
	until screen && grep -qF -- "$1" "$TMP/screen"; do
		stub_check
		[ "$(date +%s)" -lt "$end" ] || {
			cat "$TMP/screen"
			fail "the screen never showed: $1"
		}
		sleep 0.05
	done
}

# wait_gone TEXT: until the screen no longer shows TEXT.
wait_gone() {
	end=$(($(date +%s) + WAIT))
	while screen && grep -qF -- "$1" "$TMP/screen"; do
		stub_check
		[ "$(date +%s)" -lt "$end" ] || {
			cat "$TMP/screen"
			fail "the screen kept showing: $1"
		}
		sleep 0.05
	done
}

keys() { tm send-keys -t $S "$@"; }

# After the viewer: the shell's screen, its modes, the held output.
expect_restored() { # EXIT-STATUS
	wait_for "VIEWER-EXIT=$1"
	# With the scrollback: resizing the terminal may push lines there.
	screen -S -
	grep -qF BEFORE-THE-VIEWER "$TMP/screen" ||
		{ cat "$TMP/screen"; fail "the shell's screen did not come back"; }
	grep -qF ' | ' "$TMP/screen" && grep -qF 'q:quit' "$TMP/screen" &&
		fail "the viewer's screen is still there"
	cmp -s "$TMP/stty.before" "$TMP/stty.after" || {
		diff "$TMP/stty.before" "$TMP/stty.after"
		fail "the terminal's modes changed (stty -a differs)"
	}
}

case ${1:?usage: tmux.sh quit|signal|fault|mono} in
quit)
	start "" "$BIN/ch01" --tui --guest "$GUESTS/tests/step16.bin"
	wait_for " ch01 | stopped at the first instruction"
	wait_for "at 0x1000 <_start>"
	keys s
	wait_for "stopped: one instruction"
	wait_for "rax*0000000000001234"
	keys n
	wait_for "stopped: exit #1 IO out port 0x3f8 size 1 data 0x4b 'K'"
	keys '?'
	wait_for "step one instruction"
	keys Escape
	wait_gone "step one instruction"
	keys b
	wait_for "breakpoint at (symbol"
	keys -l halt
	keys Enter
	wait_for "breakpoint 1 at 0x1036 <halt> (c and n single-step to it)"
	keys c
	wait_for "stopped: breakpoint 1 at 0x1036 <halt>"
	# A bigger terminal: every pane at once; back to 80x24: pages.
	tm resize-window -t $S -x 160 -y 45
	wait_for "-- exit statistics "
	tm resize-window -t $S -x 80 -y 24
	wait_for "[1 cpu]"
	keys 6
	wait_for "[6 console]"
	wait_for "K!"
	keys s
	wait_for "guest halted (HLT): status 0"
	keys q
	expect_restored 0
	# The guest's console, held while the viewer ran, then written out.
	grep -qF "K!" "$TMP/screen" || fail "the guest's output was lost"
	;;
signal)
	# SIGTERM while the guest runs (KVM_RUN is interrupted): the viewer
	# quits and restores the terminal; the status says which signal.
	start "" "$BIN/ch01" --tui --guest "$GUESTS/tests/loop16.bin"
	wait_for " ch01 | stopped at the first instruction"
	keys c
	wait_for "running... p pauses"
	keys p
	wait_for "stopped: paused"
	keys c
	wait_for "running... p pauses"
	kill -TERM "$(cat "$TMP/pid")"
	expect_restored 143
	;;
fault)
	# A triple fault: the viewer says so; the plain-words report, held
	# while the viewer ran, is printed after the terminal is restored.
	start "" "$BIN/ch03" --tui --guest "$GUESTS/tests/triple64.elf"
	wait_for " ch03 | stopped at the first instruction"
	keys c
	wait_for "guest fault: exit #2 SHUTDOWN"
	keys q
	expect_restored 70
	grep -qF "triple-faulted" "$TMP/screen" ||
		fail "the fault report was not printed after the viewer"
	;;
mono)
	# Colour by default; none with NO_COLOR or --mono.  The '*' marks
	# carry the changes either way.
	start "unset NO_COLOR" "$BIN/ch01" --tui --guest "$GUESTS/tests/step16.bin"
	wait_for " ch01 | stopped at the first instruction"
	keys s
	wait_for "rax*0000000000001234"
	screen -e
	grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$TMP/screen" ||
		fail "no colour in the default screen"
	keys q
	expect_restored 0
	for how in NO_COLOR --mono; do
		if [ $how = NO_COLOR ]; then
			start "NO_COLOR=1; export NO_COLOR" "$BIN/ch01" --tui \
				--guest "$GUESTS/tests/step16.bin"
		else
			start "unset NO_COLOR" "$BIN/ch01" --tui --mono \
				--guest "$GUESTS/tests/step16.bin"
		fi
		wait_for " ch01 | stopped at the first instruction"
		keys s
		wait_for "rax*0000000000001234"
		screen -e
		grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$TMP/screen" &&
			fail "colour despite $how"
		keys q
		expect_restored 0
	done
	;;
*)
	echo "tmux.sh: no case $1"
	exit 2
	;;
esac
echo "ok: $1"
