#!/bin/sh
# Graded tests of ch05-discover: read_reg() and find_console() in
# chapters/05-mmio-devicetree/guest.c.  The grading VMM
# build/exercises/dtboot writes a device tree of its own (see dtboot.c:
# one-cell addresses at the root, a 64-bit bus, ISA I/O and memory
# space, the console behind an alias, nodes to refuse), its numbers drawn
# from a new seed every run, and runs the grading guest discover.elf,
# which prints what the two functions found through the chapter 1-3
# console.  dtboot tells only the grader (--expect) the line a correct
# guest prints for each node; a test compares the lines of its nodes.
# No VMM exercise and no UART driver take part, so these grade the
# guest's reading of the tree alone.
#   usage: grade.sh reg-cells|reg-isa|reg-refused|console-alias|
#                   console-path|console-refused
# DTBOOT_SEED=N draws every tree from seed N (to repeat a failure);
# DISCOVER_GUEST=FILE runs another grading guest (tests/grader/cheat.sh).
. "$(dirname "$0")/../../tests/guest/lib.sh"
need_kvm

DISCOVER_GUEST="${DISCOVER_GUEST:-$GB/exercises/discover.elf}"
EXPECT=$TMP/expect
KIND=
SEED=
SEEDS=

# tree KIND: run the grading guest on a new tree of that kind.
tree() {
	KIND=$1
	rm -f "$EXPECT"
	run_vmm "$BUILD/exercises/dtboot" ${DTBOOT_SEED:+--seed "$DTBOOT_SEED"} \
		--expect "$EXPECT" "$KIND" "$DISCOVER_GUEST"
	SEED=$(sed -n 's/^dtboot: seed \([0-9]*\) .*/\1/p' "$ERR")
	SEEDS="$SEEDS${SEEDS:+, }$KIND $SEED"
	[ -s "$EXPECT" ] ||
		fail "dtboot wrote no expected lines (status $STATUS)"
	[ "$STATUS" -eq 0 ] ||
		fail "the guest on tree $KIND (seed $SEED) ended with status" \
			"$STATUS, not 0$(again)"
}

again() {
	printf '\n      the same trees again: DTBOOT_SEED=%s make check T=ch05-discover' "$SEED"
}

# judge TEST: the guest's lines for the nodes TEST checks (console: its
# console line) against dtboot's.  In every test each line the guest
# prints must be about a node of this tree, and only one per node: the
# grading guest prints one line per node, so any other came from the
# code under test, which must not print.
judge() {
	why=$(awk -F '\t' -v test="$1" -v at="seed $SEED, tree $KIND" '
	FNR == NR {	# dtboot: TEST, PATH, LINE, WHAT THE TREE HOLDS
		if (/^#/)
			next
		k = $1 == "console" ? "console" : $2
		want[k] = $3; holds[k] = $4; tag[k] = $1; order[++n] = k
		next
	}
	/^console:/ { k = "console" }
	/^reg / {
		e = index($0, ": ")
		k = e ? substr($0, 5, e - 5) : substr($0, 5)
	}
	/^(console:|reg )/ {
		if (!(k in want)) {
			if (extra == "")
				extra = $0
		} else if (k in got) {
			if (!(k in second))
				second[k] = $0
		} else {
			got[k] = $0
		}
	}
	# Print the first failure, for the nodes of the test first.
	function twice(k) {
		printf "%s (%s): the guest printed \"%s\" and \"%s\", but the tree holds %s: only \"%s\"; read_reg() and find_console() must not print\n", name(k), at, got[k], second[k], holds[k], want[k]
		exit
	}
	function name(k) {
		return k == "console" ? "the console" : k
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]
			if (tag[k] != test)
				continue
			if (k in second)
				twice(k)
			if (!(k in got)) {
				printf "%s (%s): the guest printed nothing for it, but the tree holds %s: \"%s\"\n", name(k), at, holds[k], want[k]
				exit
			}
			if (got[k] != want[k]) {
				printf "%s (%s): the guest printed \"%s\", but the tree holds %s: \"%s\"\n", name(k), at, got[k], holds[k], want[k]
				exit
			}
		}
		# Refusing counts only where it is due: code that refuses
		# everything must not earn the refusal tests.
		for (i = 1; test == "reg-refused" && i <= n; i++) {
			k = order[i]
			if (tag[k] != "reg-refused" && k != "console" &&
			    got[k] ~ /: refused$/) {
				printf "%s (%s): the guest refused it, but the tree holds %s, a valid reg: \"%s\"; refuse only what is malformed\n", k, at, holds[k], want[k]
				exit
			}
		}
		if (test == "accepted" && got["console"] == "console: refused") {
			printf "the console (%s): the guest refused it, but the tree holds %s: \"%s\"; refuse only what is not a ns16550a on I/O ports\n", at, holds["console"], want["console"]
			exit
		}
		if (extra != "") {
			k = extra
			sub(/: .*/, "", k)
			sub(/^reg /, "", k)
			printf "%s (%s): the guest printed \"%s\", but the tree has no such node; read_reg() and find_console() must not print\n", k, at, extra
			exit
		}
		for (i = 1; i <= n; i++)
			if (order[i] in second)
				twice(order[i])
	}' "$EXPECT" "$OUT")
	[ -z "$why" ] || fail "$why$(again)"
}

case ${1:-} in
reg-cells)
	# The root: one address cell and one size cell; /soc: two and two,
	# above 4 GiB; /cpus: one address cell and no size.
	tree alias
	judge reg-cells
	;;
reg-isa)
	# Under /isa the first cell is the space: 1 = I/O ports, 0 = memory.
	tree alias
	judge reg-isa
	;;
reg-refused)
	# A reg shorter than one pair; a parent with three address cells.
	tree alias
	judge reg-refused
	;;
console-alias)
	tree alias
	judge console
	;;
console-path)
	tree path
	judge console
	;;
console-refused)
	for t in not-16550 not-io missing none; do
		tree $t
		judge console
	done
	# ... and a good console is not refused.
	tree alias
	judge accepted
	;;
*)
	echo "usage: $0 reg-cells|reg-isa|reg-refused|console-alias|" \
		"console-path|console-refused"
	exit 2
	;;
esac
echo "ok: $1 (seed: $SEEDS)"
