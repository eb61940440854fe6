# The labs, included by the top Makefile (exercises/README.md is the guide).
#
#   make check                  the ungraded tests, then the scoreboard
#   make student DEST=dir       write the student tree: every exercise a stub,
#                               and its GitHub Classroom workflow
#                               (.github/workflows/classroom.yml)
#   make grade-class SUBMISSIONS=dir   grade a class into scores.csv
#   make gradescope [CH=NN] [HIDDEN=dir]  Gradescope's autograder.zip
#   make verify-graders         prove the rubrics: full marks for the
#                               reference, nothing for the student tree, and
#                               each exercise's points for exactly it
#
# Graded C tests are exercises/NN-*/test_*.c (cmocka, one case per run).
# Guest exercises are graded under grading VMMs that use no VMM exercise
# (exercises/lib/gradevm.c): boot64 (chapter 3), slowuart (chapter 4's
# driver, with its guest drivertest.c) and dtboot (chapter 5's discovery,
# with its guest discover.c).  Everything builds into $(BUILD)/exercises,
# the grading guests into $(GB)/exercises.

EX_BIN := $(BUILD)/exercises
EX_TEST_SRC := $(sort $(wildcard exercises/[0-9][0-9]-*/test_*.c))
EX_TESTS := $(foreach s,$(EX_TEST_SRC),$(EX_BIN)/$(basename $(notdir $(s))))
EX_VMMS := $(EX_BIN)/boot64 $(EX_BIN)/slowuart $(EX_BIN)/dtboot
EX_TOOLS := $(EX_BIN)/mkstudent $(EX_VMMS)
EX_GUESTS := $(GB)/exercises/drivertest.elf $(GB)/exercises/discover.elf \
	$(GB)/exercises/irqwait16.bin $(GB)/exercises/doorbell16.bin

vmm: $(EX_TESTS) $(EX_TOOLS)
guests: $(EX_GUESTS)

$(BUILD)/exercises/%.o: CFLAGS += $(cmocka_cflags)

# test_chNN from exercises/NN-*/test_chNN.c, the grade helper and the library.
define ex_test_rule
$(EX_BIN)/$(basename $(notdir $(1))): $(BUILD)/$(1:.c=.o) \
		$(BUILD)/exercises/lib/grade.o $(LIB)
	$$(quiet) LINK $$@
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(cmocka_libs) $$(LDLIBS) \
		$$(ncurses_libs)
endef
$(foreach s,$(EX_TEST_SRC),$(eval $(call ex_test_rule,$(s))))

# A grading VMM: its main, the long mode of exercises/lib/gradevm.c and
# the library.
define ex_vmm_rule
$(EX_BIN)/$(1): $(BUILD)/exercises/$(2)/$(1).o $(BUILD)/exercises/lib/gradevm.o \
		$(LIB)
	$$(quiet) LINK $$@
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) $$(ncurses_libs)
endef
$(eval $(call ex_vmm_rule,boot64,03-long-mode))
$(eval $(call ex_vmm_rule,slowuart,04-port-io))
$(eval $(call ex_vmm_rule,dtboot,05-mmio-devicetree))

# The grading guests, linked like the chapter guests they stand in for.
EX_DRIVER_OBJ := $(GB)/guest/boot/longmode.o64 \
	$(GB)/exercises/04-port-io/drivertest.o64 \
	$(GB)/guest/drivers/uart8250.o64 $(GLIB64)
$(GB)/exercises/drivertest.elf: $(EX_DRIVER_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(EX_DRIVER_OBJ))

EX_DISCOVER_OBJ := $(GB)/guest/boot/longmode.o64 \
	$(GB)/exercises/05-mmio-devicetree/discover.o64 \
	$(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/ioremap.o64 \
	$(GLIB64)
$(GB)/exercises/discover.elf: $(EX_DISCOVER_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(EX_DISCOVER_OBJ) $(GUEST_LIBFDT))

# discover.elf with a printing stub in place of the guest's two functions:
# tests/grader.list's grader/cheat-ch05 proves the grader refuses it.
guests: $(GB)/exercises/cheat-discover.elf
EX_CHEAT_DISCOVER_OBJ := $(GB)/guest/boot/longmode.o64 \
	$(GB)/exercises/05-mmio-devicetree/cheat-discover.o64 \
	$(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/ioremap.o64 \
	$(GLIB64)
$(GB)/exercises/cheat-discover.elf: $(EX_CHEAT_DISCOVER_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(EX_CHEAT_DISCOVER_OBJ) $(GUEST_LIBFDT))

# Chapter 6's grading guest: real mode, flat, interrupts on IRQ 4.
$(GB)/exercises/irqwait16.elf: $(GB)/exercises/06-interrupts/irqwait16.o32 \
		guest/ld/flat16.ld
	$(call guest_link,$@,elf_i386,guest/ld/flat16.ld,$<)

# Chapter 7's grading guest for the ioeventfd: real mode, flat.
$(GB)/exercises/doorbell16.elf: $(GB)/exercises/07-paravirt/doorbell16.o32 \
		guest/ld/flat16.ld
	$(call guest_link,$@,elf_i386,guest/ld/flat16.ld,$<)

$(EX_BIN)/mkstudent: $(BUILD)/exercises/tools/mkstudent.o \
		$(BUILD)/exercises/tools/marker.o
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

.PHONY: student verify-graders grade-class gradescope

# The files of this tree: what git tracks or would track, without builds.
TREE_FILES = sh exercises/tools/tree-files.sh

student: $(EX_BIN)/mkstudent
	@[ -n "$(DEST)" ] || { echo "usage: make student DEST=dir"; exit 2; }
	@if [ -e "$(DEST)" ] && [ -n "$$(ls -A "$(DEST)")" ]; then \
		echo "make student: $(DEST) is not empty"; exit 2; fi
	@$(TREE_FILES) | $(EX_BIN)/mkstudent "$(DEST)"
	@mkdir -p "$(DEST)/.github/workflows"
	@sh exercises/tools/classroom-workflow.sh \
		>"$(DEST)/.github/workflows/classroom.yml"

# HIDDEN=dir verifies an instructor's hidden tests too (the example
# exercises/hidden-example by default, so CI proves the mechanism).
# Both grade whole trees with `make check-run`; with the emulated machine
# one machine serves them all, and the trees live under $(BUILD)/tmp, which
# it shares.
verify-graders: $(EX_BIN)/mkstudent $(BUILD)/doctor
	@mkdir -p $(BUILD)/tmp
	@TMPDIR=$(abspath $(BUILD))/tmp $(ON_KVM) serve -- \
		sh exercises/tools/verify-graders.sh "$(BUILD)" \
		"$(or $(HIDDEN),exercises/hidden-example)"

# Grade a class: SUBMISSIONS=dir holds one folder per student; JOBS=N
# grades N at once (default: the CPUs, at most 4), CH=NN one chapter's
# exercises, FORCE=1 regrades what was graded already.  With the emulated
# machine one machine serves them all; the trees they are graded in live
# under $(BUILD)/tmp.
grade-class: $(EX_BIN)/mkstudent $(BUILD)/doctor
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make grade-class" \
		"SUBMISSIONS=dir [CSV=scores.csv] [HIDDEN=dir] [JOBS=N] [CH=NN]" \
		"[FORCE=1]"; exit 2; }
	@mkdir -p $(BUILD)/tmp
	@TMPDIR=$(abspath $(BUILD))/tmp \
		KVMLAB_EMU_RW=$(abspath $(SUBMISSIONS)):$(abspath $(dir $(or $(CSV),scores.csv))):$(abspath $(BUILD))/tmp \
		$(ON_KVM) serve -- sh exercises/tools/grade-class.sh \
		$(if $(JOBS),--jobs '$(JOBS)') $(if $(CH),--chapter '$(CH)') \
		$(if $(filter 1,$(FORCE)),--force) "$(BUILD)" "$(SUBMISSIONS)" \
		"$(or $(CSV),scores.csv)" "$(HIDDEN)"

# Gradescope's autograder: $(BUILD)/gradescope/autograder.zip, for one
# chapter's exercises (CH=NN) or all, with HIDDEN's tests.
gradescope:
	@sh exercises/gradescope/package.sh $(BUILD)/gradescope "$(CH)" "$(HIDDEN)"

# Chapter 8's graded test links the guest's network stack built for the
# host, as tests/unit/test_netstack does (guest/guest.mk's rule): its
# ch08-arp exercise is guest code.  In a student tree arp.c's stub calls
# guest_exercise_todo(), which the host finds in exercises/lib/exercise.c
# (in $(LIB)); the stack's objects come after $(LIB) on the command line,
# so -u has the linker take that member from the archive anyway.
$(EX_BIN)/test_ch08: $(GNET_SRC:guest/net/%.c=$(BUILD)/tests/gnet/%.o)
$(EX_BIN)/test_ch08 $(BUILD)/tests/test_netstack: \
	LDFLAGS += -Wl,-u,guest_exercise_todo

# Chapter 9's graded test, the same way: its ch09-dhcp exercise is the
# stack's DHCP client (guest/net/dhcp.c).
$(EX_BIN)/test_ch09: $(GNET_SRC:guest/net/%.c=$(BUILD)/tests/gnet/%.o)
$(EX_BIN)/test_ch09: LDFLAGS += -Wl,-u,guest_exercise_todo
