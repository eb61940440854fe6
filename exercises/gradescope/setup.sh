#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image
# from autograder.zip (`make gradescope`; exercises/README.md, "Gradescope,
# step by step").  It installs what kvmlab needs through kvmlab's own
# dependency step, builds the emulated machine where no VM can be created
# on /dev/kvm (Gradescope's containers have none), and prepares the student
# tree every submission is graded in, built, so that run_autograder only
# rebuilds what a submission changed.
#
# The zip's root is this script's folder: kvmlab/ is the instructor's
# reference tree, hidden/ the hidden tests (if any), config the settings
# `make gradescope` wrote.  Afterwards it holds base/ (the prepared student
# tree), emu/ (the emulated machine) and no kvmlab/: student code runs as
# root in this container, so the solutions are deleted once the base is
# built.  KVMLAB_AUTOGRADER moves /autograder (run_autograder reads it
# too); the tests in tests/autograder.list use it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/kvmlab"

echo "kvmlab autograder setup: packages (mk/deps.sh grade)"
sh mk/deps.sh grade
make --no-print-directory BUILD=build build/doctor >/dev/null
if build/doctor --probe >/dev/null 2>&1; then
	echo "kvmlab autograder setup: /dev/kvm creates VMs: guests run there"
	: >"$here/emu-dir"
else
	echo "kvmlab autograder setup: no VM on /dev/kvm: the emulated machine" \
		"(mk/emu/README.md)"
	sh mk/deps.sh emulated
	emu=${KVMLAB_EMU_DIR:-$here/emu}
	echo "kvmlab autograder setup: emulated machine, kernel" \
		"$(sh mk/emu/image.sh "$emu")"
	echo "$emu" >"$here/emu-dir"
fi

rm -rf "$here/base"
sh exercises/tools/grade-base.sh . "$here/base"
cd "$here"
rm -rf "$here/kvmlab"
echo "kvmlab autograder setup: done; the reference tree is deleted"
