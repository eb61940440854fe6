# Guest builds, included by the top Makefile.
#
# Guests are freestanding: no libc, no stack protector, no SSE (the KVM
# instruction emulator on some hosts cannot run it: -mgeneral-regs-only).
# Every guest also gets a disassembly listing (.lst) and a symbol table
# (.sym) beside it, for students and for the viewer.
#
#   16-bit flat images   chapter 1, test guests named *16.S
#   32-bit ELF           chapter 2 (real-mode entry, then protected mode)
#   64-bit ELF           chapter 3 (long mode), test guests named *64.S

GUEST_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-builtin -nostdlib \
	-mgeneral-regs-only -Os -g -Wall -Wextra -Werror \
	-Iinclude -Iguest/lib -Iguest/drivers -MMD -MP
G32 := -m32 -march=i686
G64 := -m64 -mno-red-zone -mcmodel=small -Iguest/lib64

GLIB_SRC := $(sort $(wildcard guest/lib/*.c))
GLIB32 := $(GLIB_SRC:guest/lib/%.c=$(GB)/lib32/%.o)
GLIB64 := $(GLIB_SRC:guest/lib/%.c=$(GB)/lib64/%.o) \
	  $(patsubst guest/lib64/%,$(GB)/lib64/%.o,$(basename $(sort $(wildcard guest/lib64/*.c guest/lib64/*.S))))

$(GB)/lib32/%.o: guest/lib/%.c
	$(quiet) CC32 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G32) -c $< -o $@
$(GB)/lib64/%.o: guest/lib/%.c
	$(quiet) CC64 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G64) -c $< -o $@
$(GB)/lib64/%.o: guest/lib64/%.c
	$(quiet) CC64 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G64) -c $< -o $@

# Objects of 32-bit guests (.c and .S under guest/boot or chapters/) end in
# .o32, of 64-bit guests in .o64, so one source can be built both ways.
$(GB)/%.o32: %.c
	$(quiet) CC32 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G32) -c $< -o $@
$(GB)/%.o32: %.S
	$(quiet) AS32 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G32) -c $< -o $@
$(GB)/%.o64: %.c
	$(quiet) CC64 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G64) -c $< -o $@
$(GB)/%.o64: %.S
	$(quiet) AS64 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G64) -c $< -o $@

# Link helpers: $(1) output, $(2) linker emulation, $(3) script, $(4) objects.
# The listing disassembles each code section in the mode it runs in:
# flat16.ld images are 16-bit throughout, .boot16 (guest32.ld) is real-mode
# code, .text32 (guest64.ld) is 32-bit code inside a 64-bit guest.
define guest_link
	$(quiet) LD $(1)
	$(Q)$(LD) -m $(2) -nostdlib -static --build-id=none -T $(3) -o $(1) $(4)
	$(Q){ $(call guest_dis,$(1),.boot16,-M i8086); \
	  $(call guest_dis,$(1),.text,$(if $(findstring flat16,$(3)),-M i8086,$(if $(findstring elf_i386,$(2)),-M i386))); \
	  $(call guest_dis,$(1),.text32,-M i386); } > $(basename $(1)).lst
	$(Q)$(NM) -n $(1) > $(basename $(1)).sym
endef
# $(1) ELF, $(2) section, $(3) objdump options: disassemble it if present.
guest_dis = if $(OBJDUMP) -h $(1) | grep -q ' $(subst .,\.,$(2)) '; then \
	$(OBJDUMP) -d $(3) -j $(2) $(1); fi

# A flat 16-bit image: linked at ABI_REAL_LOAD, then stripped to bytes.
$(GB)/%16.elf: $(GB)/%16.o32 guest/ld/flat16.ld
	$(call guest_link,$@,elf_i386,guest/ld/flat16.ld,$<)
$(GB)/%.bin: $(GB)/%.elf
	$(quiet) BIN $@
	$(Q)$(OBJCOPY) -O binary $< $@

# Chapter 8's network stack (guest/net), linked by chapter 8's guest only
# (and chapter 9's, which is the same guest).
GNET_SRC := $(sort $(wildcard guest/net/*.c))
GNET64 := $(GNET_SRC:%.c=$(GB)/%.o64)
$(GNET64) $(GB)/chapters/08-virtio-net/guest.o64: GUEST_CFLAGS += -Iguest/net

# ---- Chapter guests ---------------------------------------------------------

$(GB)/ch01.elf: $(GB)/chapters/01-real-mode/guest.o32 guest/ld/flat16.ld
	$(call guest_link,$@,elf_i386,guest/ld/flat16.ld,$<)

CH02_OBJ := $(GB)/guest/boot/realmode.o32 $(GB)/chapters/02-protected-mode/guest.o32 $(GLIB32)
$(GB)/ch02.elf: $(CH02_OBJ) guest/ld/guest32.ld
	$(call guest_link,$@,elf_i386,guest/ld/guest32.ld,$(CH02_OBJ))

CH03_OBJ := $(GB)/guest/boot/longmode.o64 $(GB)/chapters/03-long-mode/guest.o64 $(GLIB64)
$(GB)/ch03.elf: $(CH03_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH03_OBJ))

# Chapter 3's 32-bit paging demonstration (entered in protected mode).
CH03P_OBJ := $(GB)/guest/boot/realmode.o32 $(GB)/chapters/03-long-mode/paging32.o32 $(GLIB32)
$(GB)/ch03-paging32.elf: $(CH03P_OBJ) guest/ld/guest32.ld
	$(call guest_link,$@,elf_i386,guest/ld/guest32.ld,$(CH03P_OBJ))

# Chapter 4: the monitor, over the 8250 driver in guest/drivers.
CH04_OBJ := $(GB)/guest/boot/longmode.o64 $(GB)/chapters/04-port-io/guest.o64 \
	    $(GB)/guest/drivers/uart8250.o64 $(GLIB64)
$(GB)/ch04.elf: $(CH04_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH04_OBJ))

# Chapter 6: the monitor on interrupts: PICs, timer, interrupt-driven UART.
CH06_OBJ := $(GB)/guest/boot/longmode.o64 $(GB)/chapters/06-interrupts/guest.o64 \
	    $(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/uart_irq.o64 \
	    $(GB)/guest/drivers/pic8259.o64 $(GB)/guest/drivers/pit8254.o64 \
	    $(GLIB64)
$(GB)/ch06.elf: $(CH06_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH06_OBJ))

# Chapter 7: the same text through the 8250, hypercalls and the ring console.
CH07_OBJ := $(GB)/guest/boot/longmode.o64 $(GB)/chapters/07-paravirt/guest.o64 \
	    $(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/hypercall.o64 \
	    $(GB)/guest/drivers/pvring.o64 $(GLIB64)
$(GB)/ch07.elf: $(CH07_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH07_OBJ))

# Chapter 5: parses the device tree with Debian's libfdt.a (built for
# x86-64 user space, but freestanding enough: see guest/lib64/stackprot.c).
GUEST_LIBFDT = $(shell $(CC) -print-file-name=libfdt.a)
CH05_OBJ := $(GB)/guest/boot/longmode.o64 \
	    $(GB)/chapters/05-mmio-devicetree/guest.o64 \
	    $(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/ioremap.o64 \
	    $(GLIB64)
$(GB)/ch05.elf: $(CH05_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH05_OBJ) $(GUEST_LIBFDT))

# Chapter 8: the virtio-net driver and the small stack, over libfdt.
CH08_OBJ := $(GB)/guest/boot/longmode.o64 \
	    $(GB)/chapters/08-virtio-net/guest.o64 \
	    $(GB)/guest/drivers/uart8250.o64 $(GB)/guest/drivers/ioremap.o64 \
	    $(GB)/guest/drivers/pic8259.o64 $(GB)/guest/drivers/pit8254.o64 \
	    $(GB)/guest/drivers/virtio_mmio.o64 \
	    $(GB)/guest/drivers/virtio_net.o64 $(GNET64) $(GLIB64)
$(GB)/ch08.elf: $(CH08_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH08_OBJ) $(GUEST_LIBFDT))

# Chapter 9 is about the host's side: its guest is chapter 8's, objects and
# all, linked again under its own name (build/ch09 boots ch09.elf with
# --cmdline "dhcp"), so that the chapter's files and listings stand apart.
$(GB)/ch09.elf: $(CH08_OBJ) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$(CH08_OBJ) $(GUEST_LIBFDT))

# The stack is freestanding C: tests/unit/test_netstack.c links it built
# for the host, with the VMM's flags.
$(BUILD)/tests/test_netstack.o: CFLAGS += -Iguest/net
$(BUILD)/tests/test_netstack: $(GNET_SRC:guest/net/%.c=$(BUILD)/tests/gnet/%.o)
$(BUILD)/tests/gnet/%.o: guest/net/%.c
	$(quiet) CC $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Iguest/net -c $< -o $@

# ---- Test guests: tests/guests/NAME16.S -> flat, NAME64.S -> ELF64 ------

TGUEST16 := $(patsubst tests/guests/%.S,$(GB)/tests/%.bin,$(wildcard tests/guests/*16.S))
TGUEST64 := $(patsubst tests/guests/%.S,$(GB)/tests/%.elf,$(wildcard tests/guests/*64.S))
$(GB)/tests/%16.elf: $(GB)/tests/guests/%16.o32 guest/ld/flat16.ld
	$(call guest_link,$@,elf_i386,guest/ld/flat16.ld,$<)
$(GB)/tests/%16.bin: $(GB)/tests/%16.elf
	$(quiet) BIN $@
	$(Q)$(OBJCOPY) -O binary $< $@
$(GB)/tests/%64.elf: $(GB)/tests/guests/%64.o64 $(GLIB64) guest/ld/guest64.ld
	$(call guest_link,$@,elf_x86_64,guest/ld/guest64.ld,$< $(GLIB64))

GUESTS := $(GB)/ch01.bin $(GB)/ch02.elf $(GB)/ch03.elf \
	  $(GB)/ch03-paging32.elf $(GB)/ch04.elf $(GB)/ch05.elf $(GB)/ch06.elf \
	  $(GB)/ch07.elf $(GB)/ch08.elf $(GB)/ch09.elf \
	  $(TGUEST16) $(TGUEST64)
guests: $(GUESTS)
	@mkdir -p $(BUILD)
	@[ "$(BUILD)/guest" = "$(GB)" ] || ln -sfn "$(abspath $(GB))" $(BUILD)/guest

.PRECIOUS: $(GB)/%.elf $(GB)/%.o32 $(GB)/%.o64 $(GB)/tests/%.elf
-include $(shell find $(GB) -name '*.d' 2>/dev/null)
$(GB)/lib64/%.o: guest/lib64/%.S
	$(quiet) AS64 $<
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) $(G64) -c $< -o $@
