#!/bin/sh
# The library's layers only reach down: every #include in kvmlab/ and
# include/kvmlab/ names a header of its own layer or of a lower one, in the
# order kvmlab/LAYERS gives.  Then the check is shown to fail: a copy of
# the tree with one upward include planted must be refused.
#
#   tests/layers.sh [TREE]   check TREE (default: this tree), no self-test
set -u

# check TREE: print each violation as FILE:LINE: what; status 1 if any.
check() {
	tree=$1
	order=$(grep -v '^#' "$tree/kvmlab/LAYERS" | awk 'NF { print $1 }')
	[ -n "$order" ] || { echo "$tree/kvmlab/LAYERS lists no layers"; return 1; }
	bad=0
	# Every library file lives in a layer folder that LAYERS names.
	for f in "$tree"/kvmlab/*.[ch] "$tree"/include/kvmlab/*.h; do
		[ -e "$f" ] || continue
		echo "${f#"$tree"/}: outside every layer folder"
		bad=1
	done
	for d in "$tree"/kvmlab/*/ "$tree"/include/kvmlab/*/; do
		l=$(basename "$d")
		echo "$order" | grep -qx "$l" && continue
		echo "${d#"$tree"/}: a folder kvmlab/LAYERS does not name"
		bad=1
	done
	rank=0
	for l in $order; do
		rank=$((rank + 1))
		for f in $(find "$tree/kvmlab/$l" "$tree/include/kvmlab/$l" \
			-name '*.[ch]' 2>/dev/null | sort); do
			rel=${f#"$tree"/}
			# FILE:LINE:HEADER for each quoted include.
			grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
				sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' >"$TMPF"
			while read -r line hdr; do
				case $hdr in
				abi/*) continue ;;
				labs/exercise.h)
					grep -q 'EXERCISE [a-z0-9-]*:' "$f" && continue
					echo "$rel:$line: includes $hdr but has no exercise region"
					bad=1
					continue
					;;
				kvmlab/*/*) ;;
				*)
					echo "$rel:$line: includes \"$hdr\", which is no library header"
					bad=1
					continue
					;;
				esac
				to=${hdr#kvmlab/}
				to=${to%%/*}
				r=0 n=0
				for x in $order; do
					n=$((n + 1))
					[ "$x" = "$to" ] && r=$n
				done
				if [ "$r" -eq 0 ]; then
					echo "$rel:$line: includes $hdr, in no layer of kvmlab/LAYERS"
					bad=1
				elif [ "$r" -gt "$rank" ]; then
					echo "$rel:$line: layer $l includes $hdr from $to, a higher layer"
					bad=1
				fi
			done <"$TMPF"
		done
	done
	return $bad
}

TMPF=$(mktemp) || exit 1
trap 'rm -f "$TMPF"; [ -n "${PLANT:-}" ] && rm -rf "$PLANT"' EXIT

if [ $# -gt 0 ]; then
	check "$1"
	exit
fi

here=$(cd "$(dirname "$0")/.." && pwd)
echo "checking the includes of $here/kvmlab and include/kvmlab"
if ! check "$here"; then
	echo "FAIL: a layer reaches up (the order is in kvmlab/LAYERS)"
	exit 1
fi
echo "ok: every include reaches down or across"

# The check must be able to fail: plant an upward include in a copy (the
# run loop asking for the viewer) and expect exactly that to be refused.
PLANT=$(mktemp -d) || exit 1
mkdir -p "$PLANT/include"
cp -R "$here/kvmlab" "$PLANT/kvmlab"
cp -R "$here/include/kvmlab" "$PLANT/include/kvmlab"
printf '#include "kvmlab/viewer/viewer.h"\n' >>"$PLANT/kvmlab/kvm/vcpu.c"
out=$(check "$PLANT")
status=$?
echo "planted: kvmlab/kvm/vcpu.c includes kvmlab/viewer/viewer.h"
echo "$out" | sed 's/^/  /'
if [ "$status" -eq 0 ] ||
	! echo "$out" | grep -q '^kvmlab/kvm/vcpu.c:[0-9]*: layer kvm includes kvmlab/viewer/viewer.h'; then
	echo "FAIL: the planted upward include was not refused"
	exit 1
fi
echo "ok: the planted upward include was refused"
