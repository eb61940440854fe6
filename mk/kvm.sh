#!/bin/sh
# Which KVM runs the guests: the KVM=auto|native|emulated switch of every
# target that runs one (make run, check, bench, slides, verify-graders).
#
#   sh mk/kvm.sh BUILD which              print "native" or "emulated"
#   sh mk/kvm.sh BUILD report             which one and why, and whether
#	the emulated machine is ready (make doctor)
#   sh mk/kvm.sh BUILD run [--announce] -- COMMAND [ARGS...]
#	run COMMAND where a VM can be created: here, or inside the emulated
#	machine (one boot for the whole COMMAND)
#   sh mk/kvm.sh BUILD serve [--announce] -- COMMAND [ARGS...]
#	run COMMAND here; with the emulated machine, KVMLAB_KVM_EXEC names
#	the command that runs one test inside it (tests/runner uses it), and
#	one machine serves them all
#
# KVM=native uses /dev/kvm, and fails with the reason when no VM can be
# created there; KVM=emulated uses the emulated machine (mk/emu/); KVM=auto
# (the default) uses /dev/kvm when a VM can be created there, else the
# emulated machine.  BUILD/doctor --probe is the test: it opens /dev/kvm
# and creates a VM.  --announce prints which KVM on a line of its own.
set -u

build=${1:?usage: mk/kvm.sh BUILD which|run|serve ...}
what=${2:?usage: mk/kvm.sh BUILD which|run|serve ...}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
announce=0
while [ $# -gt 0 ]; do
	case $1 in
	--announce) announce=1; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
done
# One emulated machine folder for this tree and every tree it builds
# (verify-graders, grade-class): the kernel is downloaded once.
: "${KVMLAB_EMU_DIR:=$top/build/emu}"
export KVMLAB_EMU_DIR

# no_kvm: true, printing why, when no VM can be created with /dev/kvm.
no_kvm() {
	[ -x "$build/doctor" ] || {
		echo "$build/doctor is not built (make all)"
		return 0
	}
	out=$("$build/doctor" --probe 2>&1) && return 1
	echo "$out" | tail -n 1
}

# report: for make doctor, installs and downloads nothing.
report() {
	failed=0
	echo "Where guests run (KVM=${KVM:-auto}):"
	if why=$(no_kvm); then
		echo "  note  no VM can be created with /dev/kvm: $why"
		case ${KVM:-auto} in
		native)
			echo "  FAIL  KVM=native: make run and make check stop here"
			failed=1 ;;
		*) echo "        make run and make check use the emulated machine (10-20 times slower per exit)" ;;
		esac
	else
		echo "  ok    /dev/kvm creates VMs: make run uses it${KVM:+ unless KVM=$KVM says otherwise}"
	fi
	echo "The emulated machine (mk/emu/README.md):"
	q=${KVMLAB_QEMU:-qemu-system-x86_64}
	if command -v "$q" >/dev/null 2>&1; then
		echo "  ok    $("$q" --version | head -n 1)"
	else
		echo "  note  $q is not installed: make run installs it when it is needed (root),"
		echo "        or: sudo apt-get install -y qemu-system-x86"
	fi
	if [ -f "$KVMLAB_EMU_DIR/ready" ]; then
		echo "  ok    kernel $(cat "$KVMLAB_EMU_DIR/kernel-version") and initramfs in $KVMLAB_EMU_DIR"
		return "$failed"
	fi
	pkg=$(sh "$top/mk/emu/image.sh" --kernel-package)
	if [ -z "$pkg" ]; then
		echo "  FAIL  apt knows no linux-image-amd64 (Debian) or linux-image-generic (Ubuntu):"
		echo "        run 'sudo apt-get update'"
		return 1
	fi
	uri=$(cd /tmp && apt-get --print-uris download "$pkg" 2>/dev/null |
		sed -n "s/^'\([^']*\)'.*/\1/p" | head -n 1)
	host=$(echo "$uri" | sed -n 's|^[a-z]*://\([^/:]*\).*|\1|p')
	if [ -n "$host" ] && timeout 5 bash -c "exec 3<>/dev/tcp/$host/80" 2>/dev/null; then
		echo "  ok    not built yet: $pkg and busybox-static will be downloaded from $host"
	else
		echo "  FAIL  not built yet, and ${host:-the Debian archive} is not reachable to download $pkg"
		failed=1
	fi
	return "$failed"
}

if [ "$what" = report ]; then
	report
	exit
fi

case ${KVM:-auto} in
native)
	if why=$(no_kvm); then
		echo "kvmlab: KVM=native, but no VM can be created here: $why" >&2
		echo "  make doctor explains; KVM=emulated (or auto) runs the guests in the emulated machine" >&2
		exit 69
	fi
	kvm=native ;;
emulated) kvm=emulated why="KVM=emulated" ;;
auto)
	if why=$(no_kvm); then
		kvm=emulated
		[ "$what" = which ] || sh "$top/mk/deps.sh" emulated >&2 || {
			echo "kvmlab: no VM can be created here ($why), and the emulated machine" >&2
			echo "  needs QEMU (above). make doctor explains both." >&2
			exit 69
		}
	else
		kvm=native
	fi ;;
*)
	echo "kvmlab: KVM=$KVM: expected auto, native or emulated" >&2
	exit 64 ;;
esac

if [ "$what" = which ]; then
	echo "$kvm"
	exit 0
fi
[ $# -ge 1 ] || { echo "usage: mk/kvm.sh BUILD $what -- COMMAND" >&2; exit 64; }

if [ "$kvm" = native ]; then
	[ "$announce" = 0 ] || echo "KVM: native (/dev/kvm)"
	exec "$@"
fi

# Already inside a served run (verify-graders grading its trees): use it.
if [ "$what" = serve ] && [ -n "${KVMLAB_EMU_SESSION:-}" ] &&
	[ -d "$KVMLAB_EMU_SESSION" ]; then
	export KVMLAB_KVM_EXEC="$top/mk/emu/exec.sh"
	exec "$@"
fi
command -v "${KVMLAB_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 ||
	sh "$top/mk/deps.sh" emulated >&2 || exit 69
version=$(sh "$top/mk/emu/image.sh" "$KVMLAB_EMU_DIR") || exit 69
if [ "$announce" = 1 ]; then
	qemu=$("${KVMLAB_QEMU:-qemu-system-x86_64}" --version |
		sed -n '1s/.*version \([0-9]*\.[0-9]*\).*/\1/p')
	echo "KVM: emulated, QEMU $qemu TCG, AMD-V, kernel $version"
	echo "     ($why)"
	export KVMLAB_EMU_QUIET=1
fi
# Exits cost 10-20 times more in there: give the tests' timeouts room.
: "${TIMEOUT_SCALE:=2}"
export TIMEOUT_SCALE
if [ "$what" = run ]; then
	exec bash "$top/mk/emu/run.sh" -- "$@"
fi
export KVMLAB_KVM_EXEC="$top/mk/emu/exec.sh"
exec bash "$top/mk/emu/run.sh" --serve -- "$@"
