#!/usr/bin/env bash
# Run a command inside the emulated machine: QEMU (TCG) emulating a PC
# with AMD-V, a Debian kernel with KVM inside, the host's files at the same
# paths.  mk/emu/README.md explains the machine.
#
#   mk/emu/run.sh [--timeout SEC] [--] COMMAND [ARGS...]
#	COMMAND runs inside; the exit status is COMMAND's own.  In a
#	terminal, QEMU puts it in raw mode and the job sees TERM and the
#	window size, so `build/ch04` and `--tui` work and Ctrl-C reaches it.
#	Otherwise stdin is read to its end first and the job reads that.
#
#   mk/emu/run.sh --serve [--] COMMAND [ARGS...]
#	COMMAND runs here, on the host, while one machine serves
#	mk/emu/exec.sh (KVMLAB_EMU_SESSION names it): how `make check`
#	runs its KVM tests inside without booting once per test.
#
#   --timeout SEC       stop the machine after SEC seconds (0 = never,
#                       the default): status 124
#   --boot-timeout SEC  stop if the job has not started after SEC seconds
#                       (default 120): status 69, with the console's tail
#
# Jobs run as root, in this directory, in a copy of this environment.  What
# they write under the shared folders (this tree, the machine's folder, the
# current directory and KVMLAB_EMU_RW, a colon-separated list) lands here;
# the rest of the host's files are read-only, /tmp is the machine's own.
# No network device.  The machine is stopped on every way out: success,
# failure, timeout, signal.
#
# Environment: KVMLAB_EMU_DIR (build/emu: kernel, initramfs, downloads),
# KVMLAB_QEMU (qemu-system-x86_64), KVMLAB_EMU_MEM (MiB, 2048),
# KVMLAB_EMU_SMP (1: more stalled the guest kernel under TCG),
# KVMLAB_EMU_NPT (0: KVM inside uses shadow paging; the default but with 7.2),
# KVMLAB_EMU_QUIET=1 (no notice on stderr).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/mk/emu/lib.sh"
EMU=${KVMLAB_EMU_DIR:-$TOP/build/emu}
QEMU=${KVMLAB_QEMU:-qemu-system-x86_64}
timeout=0 boot_timeout=120 serve=0

say() { printf 'kvmlab: emulated machine: %s\n' "$*" >&2; }
die() {
	say "$1"
	shift
	for line in "$@"; do printf '  %s\n' "$line" >&2; done
	exit 69
}
usage() {
	echo "usage: mk/emu/run.sh [--serve] [--timeout SEC] [--boot-timeout SEC] [--] COMMAND [ARGS...]" >&2
	exit 64
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || usage; timeout=$2; shift 2 ;;
	--boot-timeout) [ $# -ge 2 ] || usage; boot_timeout=$2; shift 2 ;;
	--serve) serve=1; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
case "$timeout$boot_timeout" in *[!0-9]*) usage ;; esac

command -v "$QEMU" >/dev/null 2>&1 ||
	die "$QEMU is not installed" \
		"install it with: sudo apt-get install -y qemu-system-x86" \
		"(or, as root: sh mk/deps.sh emulated)"
mkdir -p "$EMU" 2>/dev/null
EMU=$(cd "$EMU" 2>/dev/null && pwd) || die "cannot create $EMU"
sh "$TOP/mk/emu/image.sh" "$EMU" >"$EMU/image.log" 2>&1 || {
	cat "$EMU/image.log" >&2
	die "the kernel and initramfs could not be built (above)"
}
version=$(cat "$EMU/kernel-version")
[ -f "$EMU/vmlinuz" ] && [ -f "$EMU/initramfs.cpio.gz" ] ||
	die "the kernel is missing from $EMU" "remove $EMU and run again"

# The folders the job may write.  A folder inside another is covered by it.
rw=()
add_rw() {
	local p q kept=()
	p=$(cd "$1" 2>/dev/null && pwd -P) || return 0
	case $p in *[[:space:]]*)
		die "cannot share '$p': the kernel command line takes no spaces" ;;
	esac
	for q in "${rw[@]}"; do
		case $p/ in "$q"/*) return 0 ;; esac
	done
	for q in "${rw[@]}"; do
		case $q/ in "$p"/*) ;; *) kept+=("$q") ;; esac
	done
	rw=("${kept[@]}" "$p")
}
add_rw "$TOP"
add_rw "$EMU"
add_rw "$PWD"
IFS=: read -r -a extra <<<"${KVMLAB_EMU_RW:-}"
for p in "${extra[@]}"; do [ -n "$p" ] && add_rw "$p"; done

run=$(mktemp -d "$EMU/run.XXXXXX") || die "cannot write in $EMU"
qemu_pid= saved_tty=
stop_qemu() {
	[ -n "$qemu_pid" ] || return 0
	if kill -0 "$qemu_pid" 2>/dev/null; then
		# SIGTERM lets QEMU give the terminal back as it found it.
		kill -TERM "$qemu_pid" 2>/dev/null
		for _ in $(seq 25); do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$qemu_pid" 2>/dev/null
	fi
	wait "$qemu_pid" 2>/dev/null
	qemu_pid=
}
cleanup() {
	stop_qemu
	[ -z "$saved_tty" ] || stty "$saved_tty" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT
trap 'say "stopped by a signal"; exit 130' INT
trap 'say "stopped by a signal"; exit 143' TERM HUP

tail_console() {
	echo "  the console's last lines ($1):" >&2
	tr -d '\r' <"$run/console.log" | tail -n 20 | sed 's/^/  | /' >&2
}

if [ "$serve" = 1 ]; then
	mkdir "$run/session"
	job_script bash "$TOP/mk/emu/serve.sh" "$run/session" >"$run/job.sh"
	# ttyS0 is serve.sh's bell: exec.sh writes a byte to bell.in.
	mkfifo "$run/session/bell.in" "$run/session/bell.out"
	console=(-chardev pipe,id=job,path="$run/session/bell")
else
	# Not a terminal: a serial line has no end of file, so what stdin
	# holds is read first and the job reads it from a file, to its end.
	if [ ! -t 0 ]; then
		cat >"$run/stdin"
		JOB_STDIN=$run/stdin job_script "$@" >"$run/job.sh"
	else
		job_script "$@" >"$run/job.sh"
	fi
	console=(-chardev stdio,id=job,signal=off)
fi

tty=0
if [ "$serve" = 0 ] && [ -t 0 ] && [ -t 1 ]; then
	size=$(stty size 2>/dev/null) && tty="${size% *}x${size#* }"
	saved_tty=$(stty -g 2>/dev/null)
fi

append="console=ttyS1 quiet loglevel=4 panic=-1 kvmlab.job=$run/job.sh"
append+=" kvmlab.modules=$EMU/root/lib/modules kvmlab.tty=$tty"
# Nested paging: QEMU 6.2 (Ubuntu 22.04's) and 8.2 (24.04's) run a
# real-mode guest there without its exits (measured: chapter 1's guest ran
# past its OUTs into zeros; 6.2 with Ubuntu's kernel and Debian's, 8.2 with
# Ubuntu's; Debian 12's 7.2 is right with all three kernels).  Where it was not measured right, KVM in there pages the
# guests with shadow page tables instead (kvm_amd npt=0).  KVMLAB_EMU_NPT=0|1
# decides otherwise.
qv=$("$QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
npt=${KVMLAB_EMU_NPT:-}
if [ -z "$npt" ]; then
	major=${qv%%.*} minor=${qv#*.}
	minor=${minor%%.*}
	npt=0
	case $major.$minor in 7.2) npt=1 ;; esac
fi
[ "$npt" = 0 ] && append+=" kvmlab.npt=0"
fsdev=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
i=0
for p in "${rw[@]}"; do
	fsdev+=(-virtfs "local,path=$p,mount_tag=rw$i,security_model=none,multidevs=remap")
	append+=" kvmlab.rw$i=$p"
	i=$((i + 1))
done

if [ "${KVMLAB_EMU_QUIET:-0}" != 1 ]; then
	say "QEMU $qv TCG, AMD-V, kernel $version; an exit costs 10-20 times a native KVM's"
fi

: >"$run/status"
: >"$run/console.log"
# A command started with & gets /dev/null as its stdin: hand it ours.
exec 3<&0
[ "$serve" = 1 ] && exec 3</dev/null
"$QEMU" -accel tcg -cpu max -smp "${KVMLAB_EMU_SMP:-1}" -m "${KVMLAB_EMU_MEM:-2048}" \
	-nodefaults -no-user-config -display none -no-reboot -nic none \
	-kernel "$EMU/vmlinuz" -initrd "$EMU/initramfs.cpio.gz" -append "$append" \
	"${console[@]}" -serial chardev:job \
	-chardev file,id=log,path="$run/console.log" -serial chardev:log \
	-chardev file,id=st,path="$run/status" -serial chardev:st \
	"${fsdev[@]}" <&3 &
qemu_pid=$!
exec 3<&-

start=$SECONDS
# The job starts once KVM is up inside: "ready" in the status file.
while ! grep -q '^ready' "$run/status"; do
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		why=$(tr -d '\r' <"$run/status" | sed -n 's/^fail //p' | tail -n 1)
		say "stopped before the job started${why:+: $why}"
		tail_console "$run/console.log"
		exit 69
	fi
	if [ "$boot_timeout" -gt 0 ] && [ $((SECONDS - start)) -ge "$boot_timeout" ]; then
		say "did not start the job within $boot_timeout s"
		tail_console "$run/console.log"
		exit 69
	fi
	sleep 0.05
done

if [ "$serve" = 1 ]; then
	echo "$qemu_pid" >"$run/session/qemu.pid"
	status=0
	KVMLAB_EMU_SESSION=$run/session "$@" || status=$?
	: >"$run/session/stop"
	kill -0 "$qemu_pid" 2>/dev/null && printf x >"$run/session/bell.in"
	for _ in $(seq 100); do
		kill -0 "$qemu_pid" 2>/dev/null || break
		sleep 0.1
	done
	exit "$status"
fi

while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ "$timeout" -gt 0 ] && [ $((SECONDS - start)) -ge "$timeout" ]; then
		say "stopped after $timeout s (--timeout): $*"
		exit 124
	fi
	sleep 0.05
done
wait "$qemu_pid"
qs=$?
qemu_pid=
[ -z "$saved_tty" ] || stty "$saved_tty" 2>/dev/null

status=$(tr -d '\r' <"$run/status" | sed -n 's/^exit \([0-9]*\)$/\1/p' | tail -n 1)
[ -n "$status" ] && exit "$status"
why=$(tr -d '\r' <"$run/status" | sed -n 's/^fail //p' | tail -n 1)
say "stopped without the job's status (QEMU's status $qs)${why:+: $why}"
tail_console "$run/console.log"
exit 69
