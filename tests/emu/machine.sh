#!/bin/sh
# The emulated machine itself (mk/emu/): what `make check` relies on when
# it runs the KVM tests in there.
#
#   sh tests/emu/machine.sh CASE
#
#   status      a command's status (and a guest's, through a chapter
#               binary) comes back as run.sh's own; its output too; piped
#               input reaches it and ends
#   timeout     a command that hangs is stopped at --timeout: 124, a message
#   signal      SIGTERM to run.sh stops the machine: 143, nothing left
#   no-network  the machine has no network device, only loopback
#   no-qemu     a missing QEMU: 69 and the apt-get line that installs it
#   no-kernel   a machine folder without its kernel: 69 and what to do
#   serve       mk/emu/exec.sh runs jobs in one served machine: status,
#               stdout and stderr apart, and a job stopped by SIGTERM
#
# After every case no QEMU of this test is left running: each run shares
# a folder of the test's own (KVMLAB_EMU_RW), whose name is in QEMU's
# command line.  Skips (77) when QEMU is not installed: with a working
# /dev/kvm, kvmlab does not install it.
. tests/guest/lib.sh

EMU=mk/emu/run.sh
MARK=$TMP/mark
mkdir -p "$MARK"
export KVMLAB_EMU_RW=$MARK KVMLAB_EMU_QUIET=1

leftover() {
	pgrep -f "qemu-system.*$MARK" >/dev/null 2>&1
}
finish() {
	if leftover; then
		pkill -KILL -f "qemu-system.*$MARK"
		fail "a QEMU process was left running"
	fi
	exit 0
}

case ${1:-} in
no-qemu)
	KVMLAB_QEMU=/nonexistent/qemu-system-x86_64 run_vmm bash "$EMU" -- true
	expect_status 69
	expect_err_has "/nonexistent/qemu-system-x86_64 is not installed"
	expect_err_has "sudo apt-get install -y qemu-system-x86"
	finish ;;
esac
command -v "${KVMLAB_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 ||
	skip "needs QEMU (qemu-system-x86), which kvmlab installs only where /dev/kvm cannot create a VM"

case ${1:-} in
status)
	run_vmm bash "$EMU" --timeout 300 -- sh -c 'echo "from inside: $(hostname)"; exit 7'
	expect_status 7
	expect_out_has "from inside: kvmlab-emu"
	# Piped input arrives whole, and then ends: wc sees two lines.
	printf 'one\ntwo\n' | bash "$EMU" --timeout 300 -- wc -l >"$OUT" 2>"$ERR"
	STATUS=$?
	expect_status 0
	expect_out "2
"
	# A guest's status through /dev/kvm in there: status16 writes 3.
	run_vmm bash "$EMU" --timeout 300 -- "$BUILD/ch01" --guest "$GB/tests/status16.bin"
	expect_status 3
	expect_out_has "ABORT"
	finish ;;
timeout)
	run_vmm bash "$EMU" --timeout 20 -- sleep 600
	expect_status 124
	expect_err_has "stopped after 20 s (--timeout): sleep 600"
	finish ;;
signal)
	bash "$EMU" -- sleep 600 </dev/null >"$OUT" 2>"$ERR" &
	pid=$!
	i=0
	while ! leftover; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "QEMU never started"
		sleep 0.1
	done
	sleep 2
	kill -TERM "$pid"
	wait "$pid"
	STATUS=$?
	expect_status 143
	expect_err_has "stopped by a signal"
	finish ;;
no-network)
	run_vmm bash "$EMU" --timeout 300 -- sh -c 'ls /sys/class/net'
	expect_status 0
	expect_out "lo
"
	finish ;;
no-kernel)
	mkdir -p "$TMP/emu"
	echo 6.1.0-0-amd64 >"$TMP/emu/kernel-version"
	cksum <mk/emu/init >"$TMP/emu/ready" # built, as image.sh marks it
	KVMLAB_EMU_DIR=$TMP/emu run_vmm bash "$EMU" -- true
	expect_status 69
	expect_err_has "the kernel is missing from $TMP/emu"
	expect_err_has "remove $TMP/emu and run again"
	finish ;;
serve)
	run_vmm bash "$EMU" --serve -- sh -c '
		mk/emu/exec.sh sh -c "echo out; echo err >&2; exit 3"
		echo "status $?"
		mk/emu/exec.sh sleep 600 & pid=$!
		sleep 3; kill -TERM $pid; wait $pid
		echo "stopped $?"'
	expect_status 0
	expect_out "out
status 3
stopped 143
"
	expect_err_has "err"
	finish ;;
*)
	echo "usage: $0 status|timeout|signal|no-network|no-qemu|no-kernel|serve" >&2
	exit 2 ;;
esac
