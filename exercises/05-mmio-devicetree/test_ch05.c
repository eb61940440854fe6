/* SPDX-License-Identifier: MIT */
/*
 * test_ch05: the graded unit tests of chapter 5's VMM exercises: a
 * device's node in the tree (ch05-dt-node, kvmlab/dev/fdt.c), the MMIO
 * clock's registers (ch05-clock, kvmlab/dev/clock.c) and the run loop's
 * MMIO exit (ch05-handle-mmio, handle_mmio() in kvmlab/kvm/vcpu.c).
 *
 * No KVM needed.  The tree tests build a machine with dt_build() and read
 * the blob back with libfdt, as a guest would; the clock tests drive
 * clock_read() and clock_write() with a host clock the test sets; the
 * MMIO tests fill a kvm_run page as KVM does at an MMIO exit, hand it to
 * vcpu_handle_exit() and read it back as KVM_RUN would, with a probe
 * device on the MMIO bus.  The three exercises share nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "../lib/grade.h"
#include "abi/clock.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/clock.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/kvm/vcpu.h"

/* ---- ch05-dt-node ---------------------------------------------------- */

static uint8_t blob[ABI_FDT_MAX];

static void build(const struct dt_machine *m)
{
	log_level = LOG_QUIET;
	check(dt_build(m, blob, sizeof(blob)) == 0, "dt_build() failed");
	check(fdt_check_header(blob) == 0, "the blob's header is broken");
}

static int node(const char *path)
{
	int n = fdt_path_offset(blob, path);

	check(n >= 0, "the tree has no node %s (%s)", path, fdt_strerror(n));
	return n;
}

/* The cells of `prop` at `path`: exactly n of them, these values. */
static void want_cells(const char *path, const char *prop, int n,
		       const uint32_t *want)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, node(path), prop, &len);

	check(p != NULL, "%s has no property %s", path, prop);
	check(len == 4 * n, "%s %s is %d bytes, expected %d cells (%d bytes)",
	      path, prop, len, n, 4 * n);
	for (int i = 0; i < n; i++)
		check(fdt32_to_cpu(p[i]) == want[i],
		      "%s %s cell %d is 0x%x, expected 0x%x", path, prop, i,
		      fdt32_to_cpu(p[i]), want[i]);
}

static void want_string(const char *path, const char *prop, const char *want)
{
	int len;
	const char *p = fdt_getprop(blob, node(path), prop, &len);

	check(p != NULL, "%s has no property %s", path, prop);
	check(len == (int)strlen(want) + 1 && !memcmp(p, want, (size_t)len),
	      "%s %s is \"%.*s\" (%d bytes), expected \"%s\" and its NUL", path,
	      prop, len, p, len, want);
}

static void dt_mmio_node(void **state)
{
	struct dt_machine m;

	(void)state;
	dt_init(&m, "test", 0x400000);
	dt_add_device(&m, DT_MMIO, "clock", "kvmlab,clock", ABI_MMIO_CLOCK,
		      ABI_MMIO_CLOCK_LEN);
	build(&m);
	want_string("/clock@c0000000", "compatible", "kvmlab,clock");
	want_cells("/clock@c0000000", "reg", 4,
		   (uint32_t[]){0, ABI_MMIO_CLOCK, 0, ABI_MMIO_CLOCK_LEN});
}

static void dt_io_node(void **state)
{
	struct dt_machine m;

	(void)state;
	dt_init(&m, "test", 0x400000);
	dt_add_device(&m, DT_IOPORT, "debug-exit", "kvmlab,debug-exit",
		      ABI_PORT_DEBUG_EXIT, 1);
	dt_add_device(&m, DT_IOPORT, "serial", "ns16550a", 0x2f8, 8);
	build(&m);
	want_string("/isa/serial@i2f8", "compatible", "ns16550a");
	want_cells("/isa/serial@i2f8", "reg", 3, (uint32_t[]){1, 0x2f8, 8});
	want_cells("/isa/debug-exit@if4", "reg", 3,
		   (uint32_t[]){1, ABI_PORT_DEBUG_EXIT, 1});
}

/* Property names in the order the node holds them. */
static void want_order(const char *path, const char *const *names, int n)
{
	int off, i = 0;

	fdt_for_each_property_offset(off, blob, node(path))
	{
		const char *name;

		fdt_getprop_by_offset(blob, off, &name, NULL);
		check(i < n, "%s has a property too many: %s", path, name);
		check(!strcmp(name, names[i]),
		      "%s: property %d is %s, expected %s", path, i + 1, name,
		      names[i]);
		i++;
	}
	check(i == n, "%s has %d properties, expected %d", path, i, n);
}

static void dt_properties(void **state)
{
	static const char *const serial[] = {
	    "compatible", "reg", "clock-frequency", "current-speed"};
	static const char *const clock[] = {"compatible", "reg"};
	struct dt_machine m;
	struct dt_device *d;

	(void)state;
	dt_init(&m, "test", 0x400000);
	d = dt_add_device(&m, DT_IOPORT, "serial", "ns16550a", ABI_PORT_COM1,
			  ABI_PORT_COM1_LEN);
	dt_prop_u32(d, "clock-frequency", ABI_UART_CLOCK_HZ);
	dt_prop_u32(d, "current-speed", 57600);
	dt_add_device(&m, DT_MMIO, "clock", "kvmlab,clock", ABI_MMIO_CLOCK,
		      ABI_MMIO_CLOCK_LEN);
	build(&m);
	want_order("/isa/serial@i3f8", serial, 4);
	want_cells("/isa/serial@i3f8", "clock-frequency", 1,
		   (uint32_t[]){ABI_UART_CLOCK_HZ});
	want_cells("/isa/serial@i3f8", "current-speed", 1, (uint32_t[]){57600});
	want_order("/clock@c0000000", clock, 2);
}

static void dt_high_address(void **state)
{
	struct dt_machine m;

	(void)state;
	dt_init(&m, "test", 0x40000000);
	dt_add_device(&m, DT_MMIO, "big", "acme,big", 0x123456000ull,
		      0x100000000ull);
	build(&m);
	want_cells("/big@123456000", "reg", 4,
		   (uint32_t[]){1, 0x23456000, 1, 0});
	/* RAM's node is written with the same reg. */
	want_cells("/memory@0", "reg", 4, (uint32_t[]){0, 0, 0, 0x40000000});
}

/* What a guest does: by compatible, and through the alias. */
static void dt_found(void **state)
{
	struct dt_machine m;
	struct dt_device *d;
	int serial, clock;

	(void)state;
	dt_init(&m, "test", 0x400000);
	dt_add_device(&m, DT_IOPORT, "debug-exit", "kvmlab,debug-exit",
		      ABI_PORT_DEBUG_EXIT, 1);
	d = dt_add_device(&m, DT_IOPORT, "serial", "ns16550a", ABI_PORT_COM1,
			  ABI_PORT_COM1_LEN);
	d->alias = "serial0";
	dt_add_device(&m, DT_MMIO, "clock", "kvmlab,clock", ABI_MMIO_CLOCK,
		      ABI_MMIO_CLOCK_LEN);
	m.stdout_path = "serial0:115200n8";
	build(&m);
	serial = fdt_node_offset_by_compatible(blob, -1, "ns16550a");
	clock = fdt_node_offset_by_compatible(blob, -1, "kvmlab,clock");
	check(serial >= 0 && serial == node("/isa/serial@i3f8"),
	      "the ns16550a is not found by its compatible");
	check(clock >= 0 && clock == node("/clock@c0000000"),
	      "the kvmlab,clock is not found by its compatible");
	check(fdt_path_offset(blob, "serial0") == serial,
	      "the alias serial0 does not lead to the serial node");
	check(fdt_node_check_compatible(blob, serial, "kvmlab,clock") == 1,
	      "the serial node claims to be compatible with kvmlab,clock");
}

/* ---- ch05-clock ------------------------------------------------------- */

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static struct clock_dev c;
static struct bus mmio;

static void clock_start(void)
{
	log_level = LOG_QUIET;
	fake_now = 5000;
	bus_init(&mmio, "mmio");
	check(clock_register(&c, &(struct board){.mmio = &mmio}, ABI_MMIO_CLOCK,
			     fake_clock) == 0,
	      "the test could not register the clock");
}

static void want_read(uint64_t offset, uint32_t size, uint64_t want,
		      const char *what)
{
	uint64_t got = clock_read(&c, offset, size);

	check(got == want,
	      "%s: %u-byte read at 0x%llx gave 0x%llx, expected 0x%llx", what,
	      size, (unsigned long long)offset, (unsigned long long)got,
	      (unsigned long long)want);
}

static void clock_identity(void **state)
{
	(void)state;
	clock_start();
	want_read(ABI_CLOCK_MAGIC_REG, 4, ABI_CLOCK_MAGIC, "MAGIC");
	want_read(ABI_CLOCK_VERSION_REG, 4, ABI_CLOCK_VERSION, "VERSION");
	want_read(0, 1, 'k', "MAGIC's first byte (little-endian)");
	want_read(0, 8, (uint64_t)ABI_CLOCK_VERSION << 32 | ABI_CLOCK_MAGIC,
		  "MAGIC and VERSION together");
}

static void clock_widths(void **state)
{
	uint64_t v = 0;

	(void)state;
	clock_start();
	want_read(1, 4, 0x016b6c63, "unaligned, across MAGIC and VERSION");
	want_read(ABI_CLOCK_VERSION_REG + 2, 2, 0, "VERSION's high half");
	clock_write(&c, ABI_CLOCK_SCRATCH, 8, 0xa1b2c3d4e5f60718ull);
	want_read(ABI_CLOCK_SCRATCH + 6, 4, 0xa1b2,
		  "across the end of SCRATCH (the rest reads 0)");
	want_read(ABI_CLOCK_REGS_END, 8, 0, "past the registers");
	want_read(0xff8, 8, 0, "the page's last 8 bytes");
	check(bus_dispatch(&mmio, ABI_MMIO_CLOCK + ABI_CLOCK_MAGIC_REG, 4,
			   false, &v) == 0 &&
		  v == ABI_CLOCK_MAGIC,
	      "MAGIC through the MMIO bus at 0x%x read 0x%llx", ABI_MMIO_CLOCK,
	      (unsigned long long)v);
}

static void clock_now_latch(void **state)
{
	(void)state;
	clock_start();
	/* NOW counts from when the device was registered. */
	fake_now = 5000 + 0x100000005ull;
	want_read(ABI_CLOCK_NOW, 8, 0x100000005ull, "NOW, 8 bytes");
	/* Two halves, low first: the low read samples, the high one does
	 * not, so a carry between the two reads cannot tear the value. */
	fake_now = 5000 + 0x2fffffff0ull;
	want_read(ABI_CLOCK_NOW, 4, 0xfffffff0, "NOW's low half");
	fake_now = 5000 + 0x300000010ull;
	want_read(ABI_CLOCK_NOW_HI, 4, 2,
		  "NOW's high half after the low half: the sample's");
	want_read(ABI_CLOCK_NOW, 4, 0x10, "NOW's low half, sampled again");
	want_read(ABI_CLOCK_NOW_HI, 4, 3, "NOW's high half, new sample");
	/* A read that covers byte 0x08 from below samples too. */
	fake_now = 5000 + 0x400000000ull;
	want_read(ABI_CLOCK_VERSION_REG, 8, ABI_CLOCK_VERSION,
		  "VERSION and NOW's low half");
	want_read(ABI_CLOCK_NOW_HI, 4, 4, "NOW's high half after that");
}

static void clock_accesses(void **state)
{
	(void)state;
	clock_start();
	want_read(ABI_CLOCK_ACCESSES, 8, 1,
		  "ACCESSES, first access (it counts itself)");
	for (int i = 0; i < 5; i++)
		clock_read(&c, ABI_CLOCK_SCRATCH, 4);
	clock_write(&c, ABI_CLOCK_SCRATCH, 1, 0);
	clock_write(&c, ABI_CLOCK_MAGIC_REG, 4, 0); /* ignored, counted */
	want_read(ABI_CLOCK_ACCESSES, 8, 1 + 5 + 2 + 1,
		  "ACCESSES after 5 reads and 2 writes");
	want_read(ABI_CLOCK_ACCESSES + 4, 4, 0, "ACCESSES' high half");
}

static void clock_scratch(void **state)
{
	(void)state;
	clock_start();
	clock_write(&c, ABI_CLOCK_SCRATCH, 8, 0x0123456789abcdefull);
	want_read(ABI_CLOCK_SCRATCH, 8, 0x0123456789abcdefull, "SCRATCH");
	clock_write(&c, ABI_CLOCK_SCRATCH + 1, 1, 0x5a);
	clock_write(&c, ABI_CLOCK_SCRATCH + 6, 2, 0xbeef);
	want_read(ABI_CLOCK_SCRATCH, 8, 0xbeef456789ab5aefull,
		  "SCRATCH after a 1-byte write at +1 and a 2-byte at +6");
	check(c.ignored_writes == 0,
	      "writes to SCRATCH were counted as ignored");
	clock_write(&c, ABI_CLOCK_MAGIC_REG, 4, 0);
	clock_write(&c, ABI_CLOCK_NOW, 8, 0);
	clock_write(&c, 0x800, 4, 0x12345678);
	want_read(ABI_CLOCK_MAGIC_REG, 4, ABI_CLOCK_MAGIC,
		  "MAGIC after a write to it (read-only)");
	check(c.ignored_writes == 3,
	      "3 writes to read-only or unused bytes, ignored_writes = %llu",
	      (unsigned long long)c.ignored_writes);
	/* Straddling SCRATCH's end: its byte is taken, the rest ignored. */
	clock_write(&c, ABI_CLOCK_SCRATCH + 7, 2, 0x1177);
	want_read(ABI_CLOCK_SCRATCH + 7, 1, 0x77,
		  "SCRATCH's last byte after a write straddling its end");
	check(c.ignored_writes == 4,
	      "a write straddling SCRATCH's end is ignored in part, and "
	      "counted: ignored_writes = %llu, expected 4",
	      (unsigned long long)c.ignored_writes);
}

/* ---- ch05-handle-mmio ------------------------------------------------ */

#define PROBE_BASE 0xd0000000ull

static struct grade_fake_vcpu fv;
static struct bus mmio_bus;
static struct grade_probe probe;

/* A vCPU with the probe at 0xd0000000 (4 KiB) and an MMIO exit of `len`
 * bytes at `addr`, its data bytes 0x5a. */
static struct kvm_run *mmio_exit(uint64_t addr, unsigned len, bool write)
{
	struct kvm_run *run;

	log_level = LOG_QUIET;
	memset(&probe, 0, sizeof(probe));
	probe.answer = 0x8877665544332211ull;
	bus_init(&mmio_bus, "mmio");
	check(bus_register(&mmio_bus, "probe", PROBE_BASE, 0x1000,
			   grade_probe_access, &probe) == 0,
	      "the test could not register its device");
	grade_fake_vcpu(&fv, NULL, &mmio_bus);
	run = fv.cpu.run;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0x5a, sizeof(run->mmio.data));
	return run;
}

static int mmio_done(void **state)
{
	(void)state;
	grade_fake_vcpu_free(&fv);
	return 0;
}

/* A read of `len` bytes at 0xd0000000 + `offset`: the answer must land in
 * data[0..len), and nothing after it. */
static void want_mmio_read(uint64_t offset, unsigned len)
{
	struct kvm_run *run = mmio_exit(PROBE_BASE + offset, len, false);
	struct exit_info e;

	check(vcpu_handle_exit(&fv.cpu, &e) == VCPU_CONTINUE,
	      "an MMIO read did not let the guest run on");
	check(probe.n == 1 && !probe.log[0].write && probe.log[0].size == len &&
		  probe.log[0].offset == offset,
	      "a %u-byte MMIO read at 0x%llx made %u accesses (first: %s of "
	      "%u bytes at offset 0x%llx); expected one %u-byte read at "
	      "offset 0x%llx",
	      len, (unsigned long long)(PROBE_BASE + offset), probe.n,
	      probe.log[0].write ? "write" : "read", probe.log[0].size,
	      (unsigned long long)probe.log[0].offset, len,
	      (unsigned long long)offset);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t want =
		    i < len ? (uint8_t)(probe.answer >> (8 * i)) : 0x5a;

		check(run->mmio.data[i] == want,
		      "a %u-byte MMIO read: mmio.data[%u] is 0x%02x, expected "
		      "0x%02x (%s)",
		      len, i, run->mmio.data[i], want,
		      i < len ? "the device's answer, little-endian"
			      : "untouched: past the access");
	}
	check(e.answered, "the exit log does not show the answer (set "
			  "e->data and e->answered)");
	grade_fake_vcpu_free(&fv);
}

static void want_mmio_write(uint64_t offset, unsigned len)
{
	static const uint8_t bytes[8] = {0x10, 0x32, 0x54, 0x76,
					 0x98, 0xba, 0xdc, 0xfe};
	struct kvm_run *run = mmio_exit(PROBE_BASE + offset, len, true);
	uint64_t want = 0;

	memcpy(run->mmio.data, bytes, sizeof(bytes));
	memcpy(&want, bytes, len);
	check(vcpu_handle_exit(&fv.cpu, &(struct exit_info){0}) ==
		  VCPU_CONTINUE,
	      "an MMIO write did not let the guest run on");
	check(probe.n == 1 && probe.log[0].write && probe.log[0].size == len &&
		  probe.log[0].value == want && probe.log[0].offset == offset,
	      "a %u-byte MMIO write of 0x%llx at offset 0x%llx reached the "
	      "device as %u accesses (first: %s of %u bytes, 0x%llx)",
	      len, (unsigned long long)want, (unsigned long long)offset,
	      probe.n, probe.log[0].write ? "write" : "read", probe.log[0].size,
	      (unsigned long long)probe.log[0].value);
	grade_fake_vcpu_free(&fv);
}

static void mmio_read(void **state)
{
	(void)state;
	want_mmio_read(0x10, 4);
}

static void mmio_write(void **state)
{
	(void)state;
	want_mmio_write(0x20, 4);
}

static void mmio_widths(void **state)
{
	(void)state;
	want_mmio_read(0x0, 1);
	want_mmio_read(0x2, 2);
	want_mmio_read(0x8, 8);
	want_mmio_write(0x1, 1);
	want_mmio_write(0x6, 2);
	want_mmio_write(0x18, 8);
}

static void mmio_unclaimed(void **state)
{
	struct kvm_run *run = mmio_exit(0xe0000000, 4, false);

	(void)state;
	check(vcpu_handle_exit(&fv.cpu, &(struct exit_info){0}) ==
		  VCPU_CONTINUE,
	      "a read of an address no device claims stopped the guest: the "
	      "bus answers it, as a PC does");
	check(probe.n == 0, "the probe at 0xd0000000 saw a read of 0xe0000000");
	check(run->mmio.data[0] == 0xff && run->mmio.data[3] == 0xff &&
		  run->mmio.data[4] == 0x5a,
	      "an unclaimed 4-byte read must give 4 bytes of 0xff (what the "
	      "bus answers) and nothing more: mmio.data is %02x %02x %02x "
	      "%02x %02x",
	      run->mmio.data[0], run->mmio.data[1], run->mmio.data[2],
	      run->mmio.data[3], run->mmio.data[4]);
}

#define M(test) cmocka_unit_test_teardown(test, mmio_done)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dt_mmio_node),
	    cmocka_unit_test(dt_io_node),
	    cmocka_unit_test(dt_properties),
	    cmocka_unit_test(dt_high_address),
	    cmocka_unit_test(dt_found),
	    cmocka_unit_test(clock_identity),
	    cmocka_unit_test(clock_widths),
	    cmocka_unit_test(clock_now_latch),
	    cmocka_unit_test(clock_accesses),
	    cmocka_unit_test(clock_scratch),
	    M(mmio_read),
	    M(mmio_write),
	    M(mmio_widths),
	    M(mmio_unclaimed),
	};

	return GRADE_MAIN("chapter 5", tests);
}
