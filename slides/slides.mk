# The slide decks, included by the top Makefile.
#
#   make slides     one self-contained HTML deck per chapter in $(BUILD)/slides/
#
# Built offline with pandoc (dzslides, everything embedded) and Graphviz:
#
#   slides/NN-*.md          a deck in pandoc Markdown; `## Title` starts a slide
#   slides/diagrams/*.dot   diagrams, rendered to SVG and embedded in the decks
#   slides/capture.sh       runs the chapter binaries and writes what they print
#                           to $(BUILD)/slides/capture/NAME.txt
#   slides/splice.awk       replaces each `<!-- capture: NAME -->` line of a deck
#                           with that output, so no deck shows stale output
#   slides/kvmlab.css, slides/fit.html   the look, and a script that shrinks
#                           output too large for its slide
#
# Open $(BUILD)/slides/01-real-mode.html in a browser; the arrow keys move.
# tests/slides/render.sh renders each slide in headless Chromium and checks
# that none is blank or overflowing.

SLIDES_MD := $(sort $(wildcard slides/[0-9][0-9]-*.md))
SLIDES_HTML := $(SLIDES_MD:slides/%.md=$(BUILD)/slides/%.html)
SLIDES_SVG := $(patsubst slides/diagrams/%.dot,$(BUILD)/slides/diagrams/%.svg,\
	$(sort $(wildcard slides/diagrams/*.dot)))
SLIDES_CAPTURED := $(BUILD)/slides/capture/done
# What slides/capture.sh runs: add a chapter's binary and guests with its deck.
SLIDES_RUNS := $(BUILD)/ch01 $(BUILD)/ch02 $(BUILD)/ch03 $(BUILD)/ch04 \
	$(BUILD)/ch05 $(BUILD)/ch06 $(BUILD)/ch07 $(BUILD)/ch08 $(BUILD)/doctor \
	$(BUILD)/bench $(BUILD)/tests/udpecho \
	$(GB)/ch01.bin $(GB)/ch02.elf $(GB)/ch03.elf $(GB)/ch03-paging32.elf \
	$(GB)/ch04.elf $(GB)/ch05.elf $(GB)/ch06.elf $(GB)/ch07.elf $(GB)/ch08.elf \
	$(BUILD)/ch09 $(BUILD)/kvmlab-net $(GB)/ch09.elf \
	$(GB)/tests/badring64.elf $(GB)/tests/bench_out16.bin \
	$(GB)/tests/bench_exit64.elf $(GB)/tests/clihlt64.elf \
	$(GB)/tests/loop16.bin $(GB)/tests/status16.bin $(GB)/tests/triple64.elf

.PHONY: slides slides-build

# Install pandoc and Graphviz if missing, then build what the decks need.
slides: deps-slides
	@$(MAKE) --no-print-directory slides-build

slides-build: $(SLIDES_HTML)
	@echo "slides: $(SLIDES_HTML)"

# Run the chapter binaries the decks quote (some 20 seconds: the exit-cost
# benchmarks are most of it).  Again when a binary, a guest or the script
# changes, and every time while KVM could not create a VM (no-kvm).
# Where no VM can be created even in the emulated machine, the captures say
# so (capture.sh) and are made again next time.
$(SLIDES_CAPTURED): slides/capture.sh $(SLIDES_RUNS)
	$(quiet) CAPTURE $(dir $@)
	$(Q)$(ON_KVM) run -- sh slides/capture.sh $(BUILD) $(GB) $(dir $@) || \
		sh slides/capture.sh $(BUILD) $(GB) $(dir $@)
	@[ -e $(dir $@)no-kvm ] || touch $@

$(BUILD)/slides/diagrams/%.svg: slides/diagrams/%.dot
	$(quiet) DOT $<
	@mkdir -p $(dir $@)
	$(Q)dot -Tsvg -o $@ $<

$(BUILD)/slides/%.md: slides/%.md slides/splice.awk $(SLIDES_CAPTURED)
	$(quiet) SPLICE $<
	$(Q)awk -v dir=$(BUILD)/slides/capture -f slides/splice.awk $< >$@.tmp
	@mv $@.tmp $@

# --self-contained embeds the CSS, the scripts and the SVGs: the file opens
# offline and fetches nothing.
$(BUILD)/slides/%.html: $(BUILD)/slides/%.md slides/kvmlab.css slides/fit.html $(SLIDES_SVG)
	$(quiet) PANDOC $@
	$(Q)pandoc -f markdown -t dzslides --self-contained --slide-level=2 \
		--css=slides/kvmlab.css --include-after-body=slides/fit.html \
		--resource-path=$(BUILD)/slides -o $@ $<

# The slide test's PNG reader (zlib inflates; no image library needed).
$(BUILD)/tests/pngstat: $(BUILD)/tests/slides/pngstat.o
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs zlib)

vmm: $(BUILD)/tests/pngstat
