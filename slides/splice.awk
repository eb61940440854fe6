# Put captured output into a deck (slides/slides.mk runs this):
#
#   awk -v dir=CAPTURE_DIR -f slides/splice.awk DECK.md > OUT.md
#
# Every line that is just `<!-- capture: NAME -->` becomes the contents of
# CAPTURE_DIR/NAME.txt, written by slides/capture.sh.  A name with no file
# stops the build: the deck asks for output nobody captures.
$1 == "<!--" && $2 == "capture:" && $4 == "-->" && NF == 4 {
	file = dir "/" $3 ".txt"
	n = 0
	while ((getline line < file) > 0) {
		print line
		n++
	}
	close(file)
	if (n == 0) {
		printf "%s:%d: no captured output named '%s' (%s)\n", \
			FILENAME, FNR, $3, file > "/dev/stderr"
		failed = 1
		exit 1
	}
	next
}
{ print }
END { if (failed) exit 1 }
