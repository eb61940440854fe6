#!/bin/sh
# The slide decks: build them (`make slides`), then show every slide of
# every deck in headless Chromium and check what it drew.
#
#   - every deck in slides/ was built, and each is self-contained: nothing
#     in it would be fetched from the network (no http(s) in src, href or
#     url());
#   - the output spliced into the decks was captured here, and is what the
#     decks expect (slides/capture.sh marks it otherwise);
#   - once loaded, no slide overflows: slides/fit.html marks a slide whose
#     content it could not shrink to fit (read from Chromium's --dump-dom);
#   - every slide, drawn at 1280x720, has ink: pixels other than the
#     background (counted by pngstat, built from tests/slides/pngstat.c).
#
# Starting Chromium costs a second or two, far more than drawing a slide,
# so the slides are drawn a sheet at a time: a page of up to SHEET frames
# of 1280x720, one above the other, each showing one slide exactly as a
# 1280x720 window would (DECK.html#N), caught in one screenshot; pngstat
# -b 720 measures each frame's band on its own.
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
# Slides per screenshot: 10 frames make a page 7200 pixels high.
SHEET=10
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

# chromium URL HEIGHT [ARGS...]: one headless run in a 1280xHEIGHT window,
# bounded in time, in a profile of its own (runs go in parallel).  The
# virtual time budget lets the page's scripts finish (dzslides' set-up,
# slides/fit.html) before the capture.
chromium_run() {
	url=$1 height=$2
	shift 2
	profile=$(mktemp -d "$TMP/profile.XXXXXX")
	timeout 90 "$chromium" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-dev-shm-usage \
		--hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$profile" --virtual-time-budget=3000 \
		--window-size=1280,"$height" "$@" "$url" 2>>"$TMP/chromium.log"
	r=$?
	rm -rf "$profile"
	return $r
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

# The decks of slides/, each built; a deck left in $BUILD/slides by an
# older tree is not one of them.  Chromium needs absolute file:// URLs.
out=$(cd "$BUILD/slides" && pwd) || fail "make slides made no $BUILD/slides"
decks=
for md in slides/[0-9][0-9]-*.md; do
	[ -e "$md" ] || fail "no deck in slides/"
	deck=$out/$(basename "$md" .md).html
	[ -s "$deck" ] || fail "make slides did not build $deck from $md"
	decks="$decks $deck"
done
if "$BUILD/doctor" --probe >/dev/null 2>&1; then kvm=yes; else kvm=no; fi

# ---- Whole-deck checks ----------------------------------------------------

slides_of() { grep -o '<section[ >]' "$1" | wc -l; }

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
	n=$(slides_of "$deck")
	[ "$n" -gt 0 ] || fail "$name has no slides"
	total=$((total + n))
	echo "$name: $n slides"
done

# ---- The controls -----------------------------------------------------------

first=$(echo "$decks" | awk '{ print $1 }')
# Text too large to shrink into place: the overflow check must find it.
control_overflow=$TMP/control-overflow.html
sed 's|</head>|<style>pre { font-size: 60px !important }</style></head>|' \
	"$first" >"$control_overflow"
# The slides' content hidden (their numbers stay): the ink check must
# count slide 2 as blank.
control_blank=$TMP/control-blank.html
sed 's|</head>|<style>section > * { visibility: hidden }</style></head>|' \
	"$first" >"$control_blank"

# ---- The jobs: one DOM dump per deck, one screenshot per sheet -----------

# sheet NAME DECK FROM TO: a page showing slides FROM to TO of DECK.
sheet() {
	{
		printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
		printf '<style>html, body { margin: 0; padding: 0; background: #fff }\n'
		printf 'iframe { display: block; border: 0; width: 1280px; height: 720px }</style>\n'
		printf '</head><body>\n'
		for i in $(seq "$3" "$4"); do
			printf '<iframe scrolling="no" src="file://%s#%d"></iframe>\n' \
				"$2" "$i"
		done
		printf '</body></html>\n'
	} >"$TMP/$1.html"
}

# $TMP/jobs: "dom DECK" or "shot SHEET FRAMES"; $TMP/frames: "SHEET BAND
# DECK SLIDE" for each frame of each sheet.
: >"$TMP/jobs"
: >"$TMP/frames"
nsheets=0
for deck in $decks $control_overflow; do
	echo "dom $deck" >>"$TMP/jobs"
done
for deck in $decks; do
	n=$(slides_of "$deck")
	from=1
	while [ "$from" -le "$n" ]; do
		to=$((from + SHEET - 1))
		[ "$to" -le "$n" ] || to=$n
		nsheets=$((nsheets + 1))
		s=sheet-$nsheets
		sheet "$s" "$deck" "$from" "$to"
		echo "shot $s $((to - from + 1))" >>"$TMP/jobs"
		for i in $(seq "$from" "$to"); do
			echo "$s $((i - from + 1)) $deck $i" >>"$TMP/frames"
		done
		from=$((to + 1))
	done
done
sheet control-sheet "$control_blank" 2 2
echo "shot control-sheet 1" >>"$TMP/jobs"

# dom DECK [_]: the numbers of the slides marked data-overflow, in
# $TMP/NAME.overflow; an .err file unless the fitting script ran over
# every slide.  One more try if Chromium fails.
dom() {
	base=$TMP/$(basename "$1" .html)
	chromium_run "file://$1" 720 --dump-dom >"$base.dom" ||
		chromium_run "file://$1" 720 --dump-dom >"$base.dom" ||
		{ echo "chromium --dump-dom failed on $1" >"$base.err"; return 1; }
	grep -q "data-fitted=\"$(slides_of "$1")\"" "$base.dom" ||
		{ echo "slides/fit.html did not run on $1" >"$base.err"; return 1; }
	grep -o '<section[^>]*>' "$base.dom" |
		awk '/data-overflow/ { printf "%s%d", sep, NR; sep = " " }' \
			>"$base.overflow"
}

# shot SHEET FRAMES: the screenshot of a sheet, FRAMES slides high; one
# more try if Chromium fails (a loaded machine can make it time out).
shot() {
	for try in 1 2; do
		rm -f "$TMP/$1.png"
		chromium_run "file://$TMP/$1.html" $(($2 * 720)) \
			--screenshot="$TMP/$1.png" >/dev/null && [ -s "$TMP/$1.png" ] &&
			return 0
		echo "$1: try $try failed" >>"$TMP/chromium.log"
	done
	echo "chromium drew no screenshot of $TMP/$1.html" >"$TMP/$1.err"
}

# JOBS workers, each taking every JOBS-th job in turn.
echo "rendering $total slides on $nsheets sheets, $JOBS at a time"
w=0
while [ "$w" -lt "$JOBS" ]; do
	awk -v n="$JOBS" -v w="$w" 'NR % n == w' "$TMP/jobs" |
		while read -r what a b; do "$what" "$a" "$b"; done &
	w=$((w + 1))
done
wait

if ls "$TMP"/*.err >/dev/null 2>&1; then
	cat "$TMP"/*.err
	tail -n 20 "$TMP/chromium.log"
	fail "chromium could not render every slide"
fi

# ---- Overflow, from the DOM after slides/fit.html ran ---------------------

for deck in $decks; do
	bad=$(cat "$TMP/$(basename "$deck" .html).overflow")
	[ -z "$bad" ] || fail "$(basename "$deck"): slides $bad do not fit"
done
[ -s "$TMP/control-overflow.overflow" ] ||
	fail "the overflow check found nothing in $control_overflow"

# ---- Ink, per slide ---------------------------------------------------------

"$BUILD/tests/pngstat" -b 720 "$TMP"/sheet-*.png "$TMP/control-sheet.png" \
	>"$TMP/stats" || fail "pngstat could not read the screenshots"
# ink_of SHEET BAND: the ink of one frame, if it is a whole 1280x720 one.
ink_of() {
	awk -v f="$TMP/$1.png#$2" '$1 == f && $2 == "1280x720" { print $NF }' \
		"$TMP/stats"
}

blank_ink=$(ink_of control-sheet 1)
[ -n "$blank_ink" ] || fail "pngstat did not measure the blank control"
[ "$blank_ink" -lt "$MIN_INK" ] ||
	fail "a slide with hidden content has $blank_ink ink pixels: the blank check cannot fail"

min=
failed=0
while read -r s band deck i; do
	ink=$(ink_of "$s" "$band")
	[ -n "$ink" ] || fail "no 1280x720 frame $band in the screenshot of $s ($(basename "$deck") slide $i)"
	if [ "$ink" -lt "$MIN_INK" ]; then
		echo "blank: $(basename "$deck") slide $i ($ink ink pixels)"
		failed=1
	fi
	[ -z "$min" ] || [ "$ink" -lt "$min" ] && min=$ink
done <"$TMP/frames"
[ "$failed" -eq 0 ] || fail "some slides are blank"
echo "ok: $total slides drawn (fewest ink pixels $min, blank control $blank_ink)"
