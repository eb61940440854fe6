#!/bin/sh
# Golden frames: what the headless register viewer prints for a chapter
# guest under scripted keys, compared line by line with tests/viewer/NAME.txt.
#
#   tests/viewer/golden.sh NAME                  compare
#   UPDATE_GOLDEN=1 tests/viewer/golden.sh NAME  (re)write the golden file
#
# The first line of a golden file is the sha256 of the guest's loaded bytes
# (objcopy -O binary: no paths, no debug information).  Frames show
# addresses, so a rebuilt guest moves them: when the frames differ and the
# guest is not the one they were recorded with (another compiler, an edited
# guest), the test is skipped with that reason; when the guest is the same,
# a difference is a failure of the viewer.
. "$(dirname "$0")/../guest/lib.sh"
need_kvm

name=${1:?usage: golden.sh NAME}
args=
case $name in
ch01)	# start, three steps, the first exit, the end with the console page
	bin=ch01 guest=$GB/ch01.bin
	keys='<frame>sss<frame>n<frame>c6' ;;
ch02)	# break on the mode change: CR0.PE is set, CS is still real mode;
	# one more step (the far jump) loads CS from the GDT
	bin=ch02 guest=$GB/ch02.elf
	keys='mc<frame>2<frame>s<frame>c' ;;
ch03)	# a breakpoint just before the write that faults: the memory view
	# walks the tables to where the walk stops; after the page-fault
	# handler's first exit CR2 holds the address and the walk reaches the
	# page it mapped.  (Not a breakpoint in the handler itself: the
	# viewer single-steps to breakpoints, and exception delivery clears
	# TF, so VT-x and AMD-V run a handler unstepped up to its first exit;
	# see kvmlab/viewer/stepper.h.)
	bin=ch03 guest=$GB/ch03.elf
	keys='bidt_set_handler<enter>c<frame>xv<space>40000000<enter><frame>n' ;;
ch03-wide) # the handler's first exit on a 160x45 terminal: every pane at once
	bin=ch03 guest=$GB/ch03.elf args='--tui-size 160x45'
	keys='bidt_set_handler<enter>cnxv<space>40000000<enter>' ;;
*)	echo "golden.sh: no golden test named $name"; exit 2 ;;
esac

golden=$(dirname "$0")/$name.txt
image=$TMP/image
case $guest in
*.bin) cp "$guest" "$image" ;;
*) objcopy -O binary "$guest" "$image" ;;
esac
hash=$(sha256sum <"$image" | cut -d' ' -f1)

# shellcheck disable=SC2086
run_vmm "$BUILD/$bin" --tui-script "$keys" $args
[ "$STATUS" -lt 64 ] || fail "$bin --tui-script ended with status $STATUS"
grep -q '^--- frame 1 ---$' "$OUT" || fail "no frame printed"

if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	{ echo "# guest sha256 $hash"; cat "$OUT"; } >"$golden"
	echo "wrote $golden"
	exit 0
fi
[ -f "$golden" ] || fail "no golden file $golden (make it with UPDATE_GOLDEN=1)"
tail -n +2 "$golden" >"$TMP/want"
if ! cmp -s "$TMP/want" "$OUT"; then
	recorded=$(head -n 1 "$golden" | sed -n 's/^# guest sha256 //p')
	diff -u "$TMP/want" "$OUT" | head -n 60
	[ "$recorded" = "$hash" ] ||
		skip "the frames differ, but $guest is not the guest they were" \
			"recorded with: check them, then UPDATE_GOLDEN=1 $0 $name"
	fail "the frames differ from $golden (same guest: the viewer changed)"
fi
echo "ok: $(grep -c '^--- frame' "$OUT") frames match $golden"
