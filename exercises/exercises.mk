# The labs, included by the top Makefile (exercises/README.md is the guide).
#
#   make check                  the ungraded tests, then the scoreboard
#   make student DEST=dir       write the student tree: every exercise a stub
#   make grade-class SUBMISSIONS=dir   grade a class into scores.csv
#   make verify-graders         prove the rubrics: full marks for the
#                               reference, nothing for the student tree, and
#                               each exercise's points for exactly it
#
# Graded C tests are exercises/NN-*/test_*.c (cmocka, one case per run);
# the chapter-3 guest tests run under the harness exercises/03-long-mode/
# boot64.c.  Everything builds into $(BUILD)/exercises.

EX_BIN := $(BUILD)/exercises
EX_TEST_SRC := $(sort $(wildcard exercises/[0-9][0-9]-*/test_*.c))
EX_TESTS := $(foreach s,$(EX_TEST_SRC),$(EX_BIN)/$(basename $(notdir $(s))))
EX_TOOLS := $(EX_BIN)/mkstudent $(EX_BIN)/boot64

vmm: $(EX_TESTS) $(EX_TOOLS)

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

$(EX_BIN)/boot64: $(BUILD)/exercises/03-long-mode/boot64.o $(LIB)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(ncurses_libs)

$(EX_BIN)/mkstudent: $(BUILD)/exercises/tools/mkstudent.o \
		$(BUILD)/exercises/tools/marker.o
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

.PHONY: student verify-graders grade-class

# The files of this tree: what git tracks or would track, without builds.
TREE_FILES = sh exercises/tools/tree-files.sh

student: $(EX_BIN)/mkstudent
	@[ -n "$(DEST)" ] || { echo "usage: make student DEST=dir"; exit 2; }
	@if [ -e "$(DEST)" ] && [ -n "$$(ls -A "$(DEST)")" ]; then \
		echo "make student: $(DEST) is not empty"; exit 2; fi
	@$(TREE_FILES) | $(EX_BIN)/mkstudent "$(DEST)"

# HIDDEN=dir verifies an instructor's hidden tests too (the example
# exercises/hidden-example by default, so CI proves the mechanism).
verify-graders: $(EX_BIN)/mkstudent
	@sh exercises/tools/verify-graders.sh "$(BUILD)" \
		"$(or $(HIDDEN),exercises/hidden-example)"

# Grade a class: SUBMISSIONS=dir holds one directory per student.
grade-class: $(EX_BIN)/mkstudent
	@[ -n "$(SUBMISSIONS)" ] || { echo "usage: make grade-class" \
		"SUBMISSIONS=dir [CSV=scores.csv] [HIDDEN=dir]"; exit 2; }
	@sh exercises/tools/grade-class.sh "$(BUILD)" "$(SUBMISSIONS)" \
		"$(or $(CSV),scores.csv)" "$(HIDDEN)"
