# kvmlab: a teaching hypervisor with labs.
#
#   make run [CH=02]   install what is missing, build, run the chapter guests
#   make check         install what is missing, build, run every test and
#                      the labs' scoreboard (T=pattern, CH=03, HIDDEN=dir)
#   make student DEST=dir  the student tree; make verify-graders proves the
#                      rubrics (exercises/README.md)
#   make               build everything into build/
#   make doctor        is this machine ready for kvmlab?
#   make bench         exit-cost figures
#   make slides        the chapter decks as self-contained HTML in build/slides
#   make format-check  clang-format --dry-run over the C sources
#   make clean
#
# V=1 prints every command.  SAN=1 builds the VMM with ASan and UBSan into
# build/san (the guests are shared with build/).  BUILD=dir builds elsewhere.

BUILD ?= build
ifndef GB
GB := $(BUILD)/guest
endif
ifeq ($(SAN),1)
override BUILD := $(BUILD)/san
endif

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

CC ?= gcc
CC := $(if $(filter default,$(origin CC)),gcc,$(CC))
LD := ld
OBJCOPY := objcopy
OBJDUMP := objdump
NM := nm

# ---- The VMM: library, chapters, tests ------------------------------------

CFLAGS := -std=gnu11 -O2 -g -pthread -Wall -Wextra -Werror -Wshadow -Wvla \
	  -Wstrict-prototypes -Wmissing-prototypes -Iinclude -MMD -MP
# Chapter binaries link libfdt (chapter 5 builds a device tree with it).
LDFLAGS += -pthread
LDLIBS = $(fdt_libs)
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC := $(sort $(wildcard kvmlab/*/*.c)) exercises/lib/exercise.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libkvmlab.a

CHAPTERS := $(sort $(notdir $(wildcard chapters/[0-9][0-9]-*)))
CH_BINS := $(foreach c,$(CHAPTERS),$(BUILD)/ch$(firstword $(subst -, ,$(c))))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOLS := $(BUILD)/tests/runner $(BUILD)/bench $(BUILD)/doctor \
	$(BUILD)/tests/udpecho $(BUILD)/kvmlab-net

# pkg-config is asked only when a recipe needs it (after mk/deps.sh ran).
cmocka_cflags = $(shell pkg-config --cflags cmocka)
cmocka_libs = $(shell pkg-config --libs cmocka)
# The register viewer (kvmlab/viewer/tui.c) paints with ncurses: chapters link it.
ncurses_libs = $(shell pkg-config --libs ncurses)
# Debian's libfdt-dev ships no .pc file: fall back to -lfdt.
fdt_libs = $(or $(shell pkg-config --libs libfdt 2>/dev/null),-lfdt)

.PHONY: all run run-chapters check check-run doctor bench deps-build deps-check deps-slides clean \
	format-check guests vmm
.DEFAULT_GOAL := all
# Keep intermediate objects: rebuilding them each time wastes a student's time.
.SECONDARY:

all: vmm guests
vmm: $(CH_BINS) $(UNIT_BINS) $(TOOLS)

$(BUILD)/%.o: %.c
	$(quiet) CC $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

# Chapter binaries: build/ch01 from chapters/01-*/main.c and the library.
define chapter_rule
$(BUILD)/ch$(firstword $(subst -, ,$(1))): $(BUILD)/chapters/$(1)/main.o $(LIB)
	$$(quiet) LINK $$@
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(ncurses_libs)
endef
$(foreach c,$(CHAPTERS),$(eval $(call chapter_rule,$(c))))

$(BUILD)/tests/test_%.o: tests/unit/test_%.c
	$(quiet) CC $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(cmocka_cflags) -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(cmocka_libs) $(fdt_libs)

# The grader: tests/runner.c and its pieces in tests/grader/.
GRADER_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/grader/*.c)))
$(BUILD)/tests/runner: $(BUILD)/tests/runner.o $(GRADER_OBJ)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Chapter 8's UDP client, for its namespace tests and the bench.
$(BUILD)/tests/udpecho: $(BUILD)/tests/net/udpecho.o
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Chapter 9's host tooling, a bash script: installed beside the chapters,
# so that its `status` names the build dir's ch09.
$(BUILD)/kvmlab-net: chapters/09-bridge-nat/kvmlab-net
	$(quiet) INSTALL $@
	@mkdir -p $(dir $@)
	$(Q)cp $< $@ && chmod 755 $@

$(BUILD)/doctor: $(BUILD)/mk/doctor.o $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/bench/*.c)))
$(BUILD)/bench: $(BENCH_OBJ) $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Fuzz targets (libFuzzer), built by their test, tests/fuzz/run.sh, so that
# `make` needs no clang.  $(LIB) is gcc's and uninstrumented: the sources a
# target reaches are compiled into it with the fuzzer and the sanitizers
# (exercise.c too: in a student tree, fdt.c's stubs call exercise_todo()).
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_HYPERCALL_SRC := tests/fuzz/fuzz_hypercall.c kvmlab/para/hypercall.c \
	kvmlab/dev/board.c kvmlab/dev/bus.c kvmlab/dev/fdt.c \
	kvmlab/base/log.c kvmlab/base/memory.c kvmlab/base/now.c \
	exercises/lib/exercise.c
$(BUILD)/fuzz/fuzz_hypercall: $(FUZZ_HYPERCALL_SRC) \
		$(wildcard include/*/*.h include/kvmlab/*/*.h)
	$(quiet) FUZZ $@
	@mkdir -p $(dir $@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(fdt_libs)
FUZZ_VIRTIO_NET_SRC := tests/fuzz/fuzz_virtio_net.c kvmlab/virtio/net.c \
	kvmlab/virtio/mmio.c kvmlab/virtio/virtqueue.c kvmlab/dev/board.c \
	kvmlab/dev/bus.c kvmlab/dev/fdt.c kvmlab/base/log.c \
	kvmlab/base/memory.c exercises/lib/exercise.c
$(BUILD)/fuzz/fuzz_virtio_net: $(FUZZ_VIRTIO_NET_SRC) \
		$(wildcard include/*/*.h include/kvmlab/*/*.h)
	$(quiet) FUZZ $@
	@mkdir -p $(dir $@)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(fdt_libs)

# ---- Guests ----------------------------------------------------------------

include guest/guest.mk
# Each area adds its own rules: the slide decks, the labs.
-include slides/slides.mk
-include exercises/exercises.mk

# ---- Entry points ----------------------------------------------------------

deps-build:
	@sh mk/deps.sh build
deps-check:
	@sh mk/deps.sh check
deps-slides:
	@sh mk/deps.sh slides

# Where guests run (KVM=auto|native|emulated): `$(ON_KVM) run -- CMD` runs
# CMD here or, in one boot, inside the emulated machine; `serve` runs CMD
# here and gives tests/runner the way to run each KVM test in there.
export KVM
ON_KVM = sh mk/kvm.sh $(BUILD)

# `make run` runs every chapter guest in order; CH=02 runs one.
run: deps-build
	@$(MAKE) --no-print-directory all
	@$(ON_KVM) run -- $(MAKE) --no-print-directory run-chapters \
		BUILD=$(BUILD) $(if $(CH),CH=$(CH))

# A chapter whose binary needs more than itself (chapter 8: a TAP in a
# network namespace) has a demo.sh that sets it up and runs it.
run-chapters:
	@set -e; for c in $(if $(CH),$(CH),$(patsubst ch%,%,$(notdir $(CH_BINS)))); do \
		echo; echo "=== build/ch$$c ==="; \
		demo=$$(ls chapters/$$c-*/demo.sh 2>/dev/null || true); \
		if [ -n "$$demo" ]; then set -- sh "$$demo" $(BUILD); \
		else set -- $(BUILD)/ch$$c; fi; \
		"$$@" || { echo "build/ch$$c exited with status $$?"; exit 1; }; \
	done

# `make check` builds, then runs every test: the ungraded ones (tests/*.list)
# and the exercises' scoreboard (exercises/*/rubric).  T=pattern runs the
# tests whose name holds it, CH=03 one chapter's, HIDDEN=dir adds hidden
# tests.  The results files land in $(BUILD)/check every time: when the
# build fails, every test counts as failed, with the build's last lines.
# In .ci/run, SAN=1 runs the same tests against the sanitizer build, all
# but those the sanitizers cannot reach: the slide decks (Chromium draws
# them), the emulated machine's own tests (its scripts and QEMU), the fuzz
# targets (always built with the sanitizers) and chapter 9's networks
# (tests/bridge.list: bash, iproute2, iptables and dnsmasq; its VMM is
# chapter 8's, whose tests run) and the autograders' (Gradescope's and
# grade-class: scripts that build trees of their own, without them).  The slide decks are
# built first, here: slides/render draws them on the host.
CHECK = $(BUILD)/check
ifeq ($(SAN),1)
CHECK_LISTS := $(filter-out tests/slides.list tests/emu.list tests/fuzz.list tests/bridge.list tests/autograder.list tests/gradeclass.list,$(sort $(wildcard tests/*.list)))
# The same goes for chapter 9's two script exercises: bash and iptables.
SAN_SKIP := --skip-exercises ch09-nat-rules,ch09-vlan
else
CHECK_LISTS := $(sort $(wildcard tests/*.list))
endif
check: deps-check
	@mkdir -p $(CHECK)
	@$(MAKE) --no-print-directory $(BUILD)/tests/runner >/dev/null || \
		{ sh tests/grader/unbuilt.sh $(CHECK); exit 1; }
	@{ LC_ALL=C $(MAKE) --no-print-directory all 2>&1; \
		echo $$? >$(CHECK)/build.status; } \
		| tee $(CHECK)/build.log
	@if [ "$$(cat $(CHECK)/build.status)" = 0 ]; then \
		$(if $(filter 1,$(SAN)),:,$(MAKE) --no-print-directory slides-build >$(CHECK)/slides.log 2>&1 || \
			echo "make check: the slide decks did not build (slides/render says why)"); \
		$(MAKE) --no-print-directory check-run; \
	else \
		$(MAKE) --no-print-directory check-run BUILD_FAILED=$(CHECK)/build.log; \
	fi

check-run:
	$(Q)$(if $(BUILD_FAILED),,$(ON_KVM) serve --announce --) \
		env BUILD=$(BUILD) GB=$(GB) $(BUILD)/tests/runner \
		$(if $(T),--filter '$(T)') $(if $(CH),--chapter '$(CH)') \
		$(if $(V:0=),--verbose) $(if $(HIDDEN),--hidden '$(HIDDEN)') \
		$(if $(BUILD_FAILED),--build-failed '$(BUILD_FAILED)') \
		$(GRADER_FLAGS) $(SAN_SKIP) --logs $(CHECK)/logs --results $(CHECK) \
		$(CHECK_LISTS) $(sort $(wildcard exercises/*/rubric))

# The doctor needs only gcc: it must run before the rest can be installed.
doctor:
	@$(MAKE) --no-print-directory $(BUILD)/doctor
	@$(BUILD)/doctor; s=$$?; $(ON_KVM) report || s=1; exit $$s

bench: deps-build
	@$(MAKE) --no-print-directory all
	@$(ON_KVM) run --announce -- $(BUILD)/bench $(GB)/tests/bench_out16.bin $(BUILD)/ch01 \
		$(GB)/tests/bench_exit64.elf $(BUILD)/ch04 $(BUILD)/ch06 $(BUILD)/ch07 \
		$(BUILD)/ch08 $(BUILD)/tests/udpecho

# The tracked sources; outside git (a student tree, a tarball) every .c/.h.
FORMAT_SRC = $(shell (git ls-files '*.c' '*.h' 2>/dev/null | grep .) || \
	find include kvmlab chapters guest tests exercises mk -name '*.[ch]')
format-check:
	$(quiet) FORMAT "$(words $(FORMAT_SRC)) files"
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf build

# Only the object folders: $(BUILD) may also hold other trees' builds
# (verify-graders', grade-class's, an autograder's work tree).
-include $(shell find $(addprefix $(BUILD)/,kvmlab chapters guest tests exercises mk) -name '*.d' -type f -print 2>/dev/null)
