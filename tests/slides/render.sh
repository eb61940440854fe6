#!/bin/sh
# The slide decks: build them (`make slides`), then show every slide of
# every deck in headless Chromium and check what it drew.
#
#   - each deck is self-contained: nothing in it would be fetched from the
#     network (no http(s) in src, href or url());
#   - the output spliced into the decks was captured here, and is what the
#     decks expect (slides/capture.sh marks it otherwise);
#   - once loaded, no slide overflows: slides/fit.html marks a slide whose
#     content it could not shrink to fit (read from Chromium's --dump-dom);
#   - every slide, screenshot at 1280x720, has ink: pixels other than the
#     background (counted by pngstat, built from tests/slides/pngstat.c).
#
# Two controls run each time, so that the checks are known to fail when
# they should: a copy of a deck whose slide content is hidden must count as
# blank, and a copy whose text is too large must count as overflowing.
#
# Skips (77) only if Chromium is not installed; `make check` installs it.
set -u

BUILD=${BUILD:-build}
GB=${GB:-build/guest}
# Fewer ink pixels than this is a blank slide.  At 1280x720 an empty slide
# (its title rule and number) has about 2700, one with the title "Run it"
# and nothing else about 4200, the sparsest slide of the decks over 15000.
MIN_INK=3500
# Chromium runs in parallel, one per core, at most 4.
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -le 4 ] || JOBS=4

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmlab-slides.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*"
	exit 1
}

chromium=$(command -v chromium || command -v chromium-browser) ||
	{ echo "chromium is not installed (sh mk/deps.sh check installs it)"; exit 77; }

# chromium URL [ARGS...]: one headless run, bounded in time, in a profile of
# its own (runs go in parallel).  The virtual time budget lets the page's
# scripts finish (dzslides' set-up, slides/fit.html) before the capture.
chromium_run() {
	url=$1
	shift
	profile=$(mktemp -d "$TMP/profile.XXXXXX")
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-dev-shm-usage \
		--hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$profile" --virtual-time-budget=3000 \
		--window-size=1280,720 "$@" "$url" 2>>"$TMP/chromium.log"
	r=$?
	rm -rf "$profile"
	return $r
}

# shot FILE.html N OUT.png: a screenshot of slide N.
shot() {
	chromium_run "file://$1#$2" --screenshot="$3" >/dev/null ||
		{ echo "chromium failed on $1#$2" >"$3.err"; return 1; }
	[ -s "$3" ] || echo "chromium wrote no screenshot of $1#$2" >"$3.err"
}

# ---- Build --------------------------------------------------------------

# A clean environment for make: MAKEFLAGS from an outer `make check SAN=1`
# (and SAN=1, which make exports too) would turn BUILD=build/san into
# build/san/san.
echo "\$ make BUILD=$BUILD GB=$GB slides"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN make --no-print-directory \
	BUILD="$BUILD" GB="$GB" slides "$BUILD/tests/pngstat" \
	>"$TMP/make.log" 2>&1; then
	tail -n 30 "$TMP/make.log"
	fail "make slides failed"
fi
grep 'warning' "$TMP/make.log"

# Chromium needs absolute file:// URLs.
decks=$(ls "$(cd "$BUILD" && pwd)"/slides/[0-9][0-9]-*.html 2>/dev/null)
[ -n "$decks" ] || fail "make slides built no deck in $BUILD/slides"
if "$BUILD/doctor" --probe >/dev/null 2>&1; then kvm=yes; else kvm=no; fi

# ---- Whole-deck checks ----------------------------------------------------

total=0
for deck in $decks; do
	name=$(basename "$deck" .html)
	grep -nE '(src|href|action|poster)="https?:|url\(["'\'']?https?:|@import' \
		"$deck" | head -n 5 >"$TMP/net"
	[ -s "$TMP/net" ] && fail "$name fetches from the network: $(cat "$TMP/net")"
	if grep -q 'NOT AS THIS DECK EXPECTS' "$deck"; then
		grep -h -B3 'NOT AS THIS DECK EXPECTS' "$BUILD/slides/$name.md"
		fail "$name: captured output is not what the deck expects"
	fi
	if [ "$kvm" = yes ] && grep -q 'output not captured here' "$deck"; then
		fail "$name holds no captured output, yet KVM works here"
	fi
	n=$(grep -o '<section[ >]' "$deck" | wc -l)
	[ "$n" -gt 0 ] || fail "$name has no slides"
	total=$((total + n))
	echo "$name: $n slides"
done

# ---- Overflow, from the DOM after slides/fit.html ran ---------------------

# overflowing FILE.html: the numbers of the slides marked data-overflow;
# fails unless the fitting script ran over every slide.
overflowing() {
	chromium_run "file://$1" --dump-dom >"$TMP/dom.html" ||
		{ echo "chromium --dump-dom failed on $1"; return 1; }
	slides=$(grep -o '<section[ >]' "$1" | wc -l)
	grep -q "data-fitted=\"$slides\"" "$TMP/dom.html" ||
		{ echo "slides/fit.html did not run on $1"; return 1; }
	grep -o '<section[^>]*>' "$TMP/dom.html" |
		awk '/data-overflow/ { printf "%s%d", sep, NR; sep = " " }'
	echo
}

for deck in $decks; do
	bad=$(overflowing "$deck") || fail "$bad"
	[ -z "$bad" ] || fail "$(basename "$deck"): slides $bad do not fit"
done

# Control: text too large to shrink into place must be found.
control=$TMP/control-overflow.html
sed 's|</head>|<style>pre { font-size: 60px !important }</style></head>|' \
	"$(echo "$decks" | head -n 1)" >"$control"
bad=$(overflowing "$control") || fail "$bad"
[ -n "$bad" ] || fail "the overflow check found nothing in $control"

# ---- Every slide, screenshot ------------------------------------------

# Control: the same deck with the slides' content hidden (their numbers
# stay) must count as blank.
blank=$TMP/control-blank.html
sed 's|</head>|<style>section > * { visibility: hidden }</style></head>|' \
	"$(echo "$decks" | head -n 1)" >"$blank"

: >"$TMP/shots"
for deck in $decks; do
	n=$(grep -o '<section[ >]' "$deck" | wc -l)
	for i in $(seq 1 "$n"); do
		echo "$deck $i $TMP/$(basename "$deck" .html)-$i.png" >>"$TMP/shots"
	done
done
echo "$blank 2 $TMP/control-blank-2.png" >>"$TMP/shots"

echo "rendering $total slides, $JOBS at a time"
running=0
while read -r deck i png; do
	shot "$deck" "$i" "$png" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait
		running=0
	fi
done <"$TMP/shots"
wait

if ls "$TMP"/*.err >/dev/null 2>&1; then
	cat "$TMP"/*.err
	tail -n 20 "$TMP/chromium.log"
	fail "chromium could not render every slide"
fi

"$BUILD/tests/pngstat" "$TMP"/*.png >"$TMP/stats" ||
	fail "pngstat could not read the screenshots"
ink_of() { awk -v f="$1" '$1 == f { print $NF }' "$TMP/stats"; }

blank_ink=$(ink_of "$TMP/control-blank-2.png")
[ -n "$blank_ink" ] || fail "pngstat did not measure the blank control"
[ "$blank_ink" -lt "$MIN_INK" ] ||
	fail "a slide with hidden content has $blank_ink ink pixels: the blank check cannot fail"

min=
failed=0
while read -r deck i png; do
	[ "$deck" = "$blank" ] && continue
	ink=$(ink_of "$png")
	[ -n "$ink" ] || fail "pngstat did not measure $png"
	if [ "$ink" -lt "$MIN_INK" ]; then
		echo "blank: $(basename "$deck") slide $i ($ink ink pixels)"
		failed=1
	fi
	[ -z "$min" ] || [ "$ink" -lt "$min" ] && min=$ink
done <"$TMP/shots"
[ "$failed" -eq 0 ] || fail "some slides are blank"
echo "ok: $total slides drawn (fewest ink pixels $min, blank control $blank_ink)"
