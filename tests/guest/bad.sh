#!/bin/sh
# Bad input: every case ends with its documented exit status and a message
# in plain words, never a crash.   usage: bad.sh CASE
. "$(dirname "$0")/lib.sh"

case ${1:-} in
missing-file)
	run_vmm "$BUILD/ch01" --guest "$TMP/no-such-guest.bin"
	expect_status 66
	expect_err_has "no-such-guest.bin"
	expect_err_has "no such file"
	;;
empty-file)
	: >"$TMP/empty.bin"
	run_vmm "$BUILD/ch02" --guest "$TMP/empty.bin"
	expect_status 66
	expect_err_has "is empty"
	;;
directory)
	run_vmm "$BUILD/ch01" --guest "$TMP"
	expect_status 66
	expect_err_has "is a directory"
	;;
random-bytes)
	need_kvm
	# 4 KiB from a fixed seed, run as real-mode code: whatever it does,
	# the VMM must end it with a documented status and no crash.
	# (A small LCG in exact integer range, written as octal escapes, so
	# every awk and every machine makes the same bytes.)
	printf '%b' "$(awk 'BEGIN { x = 20261121 % 65537
		for (i = 0; i < 4096; i++) {
			x = (x * 75 + 74) % 65537
			printf "\\%03o", x % 256 } }')" >"$TMP/random.bin"
	[ "$(wc -c <"$TMP/random.bin")" -eq 4096 ] || fail "random.bin is not 4096 bytes"
	run_vmm "$BUILD/ch01" --guest "$TMP/random.bin" --timeout 2
	case $STATUS in
	[0-9] | [1-5][0-9] | 6[0-3] | 70 | 124) ;;
	*) fail "random code ended with undocumented status $STATUS" ;;
	esac
	# ELF-capable chapters treat it as a flat image too.
	run_vmm "$BUILD/ch03" --guest "$TMP/random.bin" --timeout 2
	case $STATUS in
	[0-9] | [1-5][0-9] | 6[0-3] | 70 | 124) ;;
	*) fail "random code in ch03 ended with status $STATUS" ;;
	esac
	;;
too-large)
	# Checked before KVM is opened: no KVM needed.
	head -c $((3 * 1024 * 1024)) /dev/zero >"$TMP/large.bin"
	run_vmm "$BUILD/ch01" --guest "$TMP/large.bin"
	expect_status 65
	expect_err_has "--mem"
	;;
wrong-class)
	need_kvm
	run_vmm "$BUILD/ch02" --guest "$GB/ch03.elf"
	expect_status 65
	expect_err_has "64-bit"
	run_vmm "$BUILD/ch03" --guest "$GB/ch02.elf"
	expect_status 65
	expect_err_has "ELF32"
	;;
triple-fault)
	need_kvm
	run_vmm "$BUILD/ch03" --guest "$GB/tests/triple64.elf" --trace "$TRACE"
	expect_status 70
	expect_err_has "triple-faulted"
	expect_err_has "SHUTDOWN"
	expect_err_has "long mode, 64-bit code"
	expect_err_has "last exits"
	[ "$(trace_last_reason)" = SHUTDOWN ] || fail "trace does not end in SHUTDOWN"
	# AMD-V resets the vCPU at SHUTDOWN: the report must say so and show
	# the state of exit #1 (the guest's OUT), never the reset state.
	if grep -qF "the CPU was reset" "$ERR"; then
		expect_err_has "the state at the last exit before the fault (#1)"
	fi
	grep -q "where:.*real mode" "$ERR" && fail "the report shows real mode"
	;;
triple-fault-first)
	need_kvm
	# The SHUTDOWN is the first exit: no earlier state exists.  VT-x and
	# kvm-pvm keep the faulting state (real mode, in the guest); AMD-V
	# has reset the vCPU, and the report must say the state is unknown.
	run_vmm "$BUILD/ch01" --guest "$GB/tests/triple16.bin"
	expect_status 70
	expect_err_has "triple-faulted"
	if grep -qF "the CPU was reset" "$ERR"; then
		expect_err_has "the faulting state is unknown"
	else
		grep -q "where: rip 0x100.*real mode" "$ERR" ||
			fail "the report does not show the fault in real mode"
	fi
	;;
endless-loop)
	need_kvm
	run_vmm "$BUILD/ch01" --guest "$GB/tests/loop16.bin" --timeout 1
	expect_status 124
	expect_err_has "--timeout 1 s"
	expect_err_has "endless loop"
	expect_err_has "rip 0x1000"
	;;
guest-status)
	need_kvm
	run_vmm "$BUILD/ch01" --guest "$GB/tests/status16.bin"
	expect_status 3
	expect_out_has "ABORT: deliberate failure"
	;;
status-too-high)
	need_kvm
	# 124 written by the guest is not a timeout: it is a guest fault.
	run_vmm "$BUILD/ch01" --guest "$GB/tests/bigstatus16.bin"
	expect_status 70
	expect_err_has "guest statuses are 0-63"
	run_vmm "$BUILD/ch02" --guest "$GB/tests/bigstatus16.bin"
	expect_status 70
	expect_err_has "guest statuses are 0-63"
	;;
trace-unwritable)
	need_kvm
	[ -w /dev/full ] || skip "needs /dev/full"
	run_vmm "$BUILD/ch02" --trace /dev/full
	expect_status 71
	expect_err_has "writing the trace failed"
	run_vmm "$BUILD/ch01" --trace /dev/full
	expect_status 71
	;;
no-kvm-device)
	KVMLAB_KVM_DEV=$TMP/no-kvm run_vmm "$BUILD/ch01"
	expect_status 69
	expect_err_has "cannot open $TMP/no-kvm"
	expect_err_has "does not exist"
	expect_err_has "fix:"
	KVMLAB_KVM_DEV=$TMP/no-kvm run_vmm "$BUILD/ch02"
	expect_status 69
	expect_err_has "modprobe"
	;;
not-kvm-device)
	KVMLAB_KVM_DEV=/dev/null run_vmm "$BUILD/ch03"
	expect_status 69
	expect_err_has "not a KVM device"
	;;
no-permission)
	[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null ||
		skip "needs root and setpriv to drop privileges"
	[ -c /dev/kvm ] || skip "needs /dev/kvm to exist"
	# /dev/kvm here is root-only (mode 0600) or group kvm: nobody can't open it.
	[ "$(stat -c %a /dev/kvm)" = 600 ] || skip "/dev/kvm is open to more than root"
	# The image is read before /dev/kvm is opened: give nobody a copy it
	# can read, wherever the tree is.
	mkdir "$TMP/pub"
	cp "$GB/ch01.bin" "$TMP/pub/ch01.bin"
	chmod 711 "$TMP"
	chmod 755 "$TMP/pub"
	chmod 644 "$TMP/pub/ch01.bin"
	run_vmm setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/ch01" \
		--guest "$TMP/pub/ch01.bin"
	expect_status 69
	expect_err_has "Permission denied"
	expect_err_has "usermod -aG kvm"
	;;
usage)
	run_vmm "$BUILD/ch01" --bogus
	expect_status 64
	expect_err_has "unknown option: --bogus"
	run_vmm "$BUILD/ch02" --timeout soon
	expect_status 64
	run_vmm "$BUILD/ch03" --mem 1K
	expect_status 64
	run_vmm "$BUILD/ch01" --trace
	expect_status 64
	expect_err_has "needs a value"
	run_vmm "$BUILD/ch03" --help
	expect_status 0
	expect_out_has "--guest-paging"
	expect_out_has "124 timeout"
	;;
*)
	echo "usage: $0 CASE"
	exit 2
	;;
esac
echo "ok: $1"
