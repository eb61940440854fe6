/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the device tree round trip, no KVM needed.  Build the
 * chapter 5 machine's tree, parse it back with libfdt and compare every
 * property with what was described; write it to a file and read it back
 * byte for byte; and refuse what cannot work.  Then the board: devices
 * registered on it write the same tree, and the tree holds exactly the
 * devices the buses accepted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>
#include <libfdt.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/clock.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/fdt.h"
#include "kvmlab/dev/serial8250.h"

#define RAM 0x400000

static uint8_t blob[ABI_FDT_MAX];

/* The machine's own part: RAM, reserved ranges, /chosen; no devices. */
static void machine_part(struct dt_machine *m)
{
	dt_init(m, "test machine", RAM);
	dt_reserve(m, ABI_PT_BASE, ABI_PT_SIZE);
	dt_reserve(m, ABI_FDT_ADDR(RAM), ABI_FDT_MAX);
	m->bootargs = "console=ttyS0 loops=7";
	m->stdout_path = "serial0:115200n8";
}

/* The machine chapter 5 describes, with 4 MiB of RAM, written by hand. */
static void describe(struct dt_machine *m)
{
	struct dt_device *d;

	machine_part(m);
	dt_add_device(m, DT_IOPORT, "debug-exit", "kvmlab,debug-exit",
		      ABI_PORT_DEBUG_EXIT, 1);
	d = dt_add_device(m, DT_IOPORT, "serial", "ns16550a", ABI_PORT_COM1,
			  ABI_PORT_COM1_LEN);
	dt_prop_u32(d, "clock-frequency", ABI_UART_CLOCK_HZ);
	dt_prop_u32(d, "current-speed", 115200);
	d->alias = "serial0";
	dt_add_device(m, DT_MMIO, "clock", "kvmlab,clock", ABI_MMIO_CLOCK,
		      ABI_MMIO_CLOCK_LEN);
}

static int setup(void **state)
{
	struct dt_machine m;

	(void)state;
	log_level = LOG_QUIET;
	describe(&m);
	return dt_build(&m, blob, sizeof(blob));
}

/* The cells of `prop` at `path`, which must have exactly n of them. */
static void want_cells(const char *path, const char *prop, int n,
		       const uint32_t *want)
{
	int node = fdt_path_offset(blob, path), len;
	const fdt32_t *p;

	assert_true(node >= 0);
	p = fdt_getprop(blob, node, prop, &len);
	assert_non_null(p);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		assert_int_equal(fdt32_to_cpu(p[i]), want[i]);
}

static void want_string(const char *path, const char *prop, const char *want)
{
	int node = fdt_path_offset(blob, path);

	assert_true(node >= 0);
	assert_string_equal(fdt_getprop(blob, node, prop, NULL), want);
}

static void test_header_and_reserve_map(void **state)
{
	uint64_t addr, size;

	(void)state;
	assert_int_equal(fdt_check_header(blob), 0);
	assert_true(fdt_totalsize(blob) < 2048);
	assert_int_equal(fdt_num_mem_rsv(blob), 2);
	assert_int_equal(fdt_get_mem_rsv(blob, 0, &addr, &size), 0);
	assert_int_equal(addr, ABI_PT_BASE);
	assert_int_equal(size, ABI_PT_SIZE);
	assert_int_equal(fdt_get_mem_rsv(blob, 1, &addr, &size), 0);
	assert_int_equal(addr, RAM - ABI_FDT_MAX);
	assert_int_equal(size, ABI_FDT_MAX);
}

static void test_root_memory_cpus(void **state)
{
	(void)state;
	want_cells("/", "#address-cells", 1, (uint32_t[]){2});
	want_cells("/", "#size-cells", 1, (uint32_t[]){2});
	want_string("/", "model", "test machine");
	want_string("/", "compatible", "kvmlab,pc");
	want_string("/memory@0", "device_type", "memory");
	want_cells("/memory@0", "reg", 4, (uint32_t[]){0, 0, 0, RAM});
	want_string("/cpus/cpu@0", "device_type", "cpu");
	want_cells("/cpus/cpu@0", "reg", 1, (uint32_t[]){0});
	assert_true(fdt_path_offset(blob, "/cpus/cpu@1") < 0);
}

static void test_devices(void **state)
{
	int node;

	(void)state;
	want_cells("/isa", "#address-cells", 1, (uint32_t[]){2});
	want_cells("/isa", "#size-cells", 1, (uint32_t[]){1});
	want_string("/isa", "device_type", "isa");
	/* Port devices: ISA space 1 (I/O), the port, the number of ports. */
	want_string("/isa/serial@i3f8", "compatible", "ns16550a");
	want_cells("/isa/serial@i3f8", "reg", 3,
		   (uint32_t[]){1, ABI_PORT_COM1, ABI_PORT_COM1_LEN});
	want_cells("/isa/serial@i3f8", "clock-frequency", 1,
		   (uint32_t[]){1843200});
	want_cells("/isa/serial@i3f8", "current-speed", 1,
		   (uint32_t[]){115200});
	want_cells("/isa/debug-exit@if4", "reg", 3,
		   (uint32_t[]){1, ABI_PORT_DEBUG_EXIT, 1});
	/* MMIO devices at the root: 64-bit address and size. */
	want_string("/clock@c0000000", "compatible", "kvmlab,clock");
	want_cells("/clock@c0000000", "reg", 4,
		   (uint32_t[]){0, ABI_MMIO_CLOCK, 0, ABI_MMIO_CLOCK_LEN});
	/* Found by compatible, as a guest finds them. */
	node = fdt_node_offset_by_compatible(blob, -1, "kvmlab,clock");
	assert_int_equal(node, fdt_path_offset(blob, "/clock@c0000000"));
	assert_true(fdt_node_offset_by_compatible(blob, -1, "acme,none") < 0);
}

static void test_chosen_and_alias(void **state)
{
	(void)state;
	want_string("/chosen", "bootargs", "console=ttyS0 loops=7");
	want_string("/chosen", "stdout-path", "serial0:115200n8");
	want_string("/aliases", "serial0", "/isa/serial@i3f8");
	/* libfdt resolves the alias as a guest following stdout-path does. */
	assert_int_equal(fdt_path_offset(blob, "serial0"),
			 fdt_path_offset(blob, "/isa/serial@i3f8"));
}

/* What is written to a file is what was built, byte for byte. */
static void test_file_round_trip(void **state)
{
	char path[] = "/tmp/kvmlab-dtb-XXXXXX";
	uint8_t back[ABI_FDT_MAX];
	int fd = mkstemp(path);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dt_write_file(blob, path), 0);
	n = read(fd, back, sizeof(back));
	close(fd);
	unlink(path);
	assert_int_equal(n, fdt_totalsize(blob));
	assert_memory_equal(back, blob, (size_t)n);
	assert_int_equal(dt_write_file(blob, "/nonexistent/dir/x.dtb"),
			 -ENOENT);
}

/* The file descriptors this process holds, by listing /proc/self/fd. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * A write that stops short is reported, and the file is closed all the
 * same.  /dev/full refuses every write with ENOSPC; the blob is bigger
 * than stdio's buffer, so fwrite() itself fails instead of fclose().
 */
static void test_file_short_write(void **state)
{
	static uint8_t big[ABI_FDT_MAX];
	int before;

	(void)state;
	if (access("/dev/full", W_OK) || access("/proc/self/fd", R_OK))
		skip();
	assert_int_equal(fdt_create_empty_tree(big, sizeof(big)), 0);
	assert_int_equal(fdt_totalsize(big), sizeof(big));
	before = open_fds();
	assert_int_equal(dt_write_file(big, "/dev/full"), -ENOSPC);
	assert_int_equal(open_fds(), before);
}

static void test_too_small_buffer(void **state)
{
	struct dt_machine m;
	uint8_t small[256];

	(void)state;
	describe(&m);
	assert_int_equal(dt_build(&m, small, sizeof(small)), -ENOSPC);
}

/* The blob goes to the top of RAM, unless the image is in the way. */
static void test_load(void **state)
{
	static uint8_t ram[RAM];
	struct guest_mem mem = {.host = ram, .size = RAM};
	struct guest_image img = {.lo = ABI_ELF_BASE, .hi = 0x120000};
	uint64_t gpa = 0;

	(void)state;
	assert_int_equal(dt_load(blob, &mem, &img, &gpa), 0);
	assert_int_equal(gpa, RAM - ABI_FDT_MAX);
	assert_memory_equal(ram + gpa, blob, fdt_totalsize(blob));
	img.hi = RAM - ABI_FDT_MAX + 1;
	assert_int_equal(dt_load(blob, &mem, &img, &gpa), -EEXIST);
	assert_int_equal(dt_load(blob, &mem, NULL, &gpa), 0);
}

/* ---- the board: registered on a bus and in the tree in one call ---- */

/* A board with empty buses, building `m` (NULL: no tree). */
struct test_board {
	struct bus pio, mmio;
	struct board b;
};

static void board_start(struct test_board *t, struct dt_machine *m)
{
	bus_init(&t->pio, "pio");
	bus_init(&t->mmio, "mmio");
	t->b = (struct board){.pio = &t->pio, .mmio = &t->mmio, .dt = m};
	if (m)
		machine_part(m);
}

static void record_stop(void *opaque, int status)
{
	*(int *)opaque = status;
}

/* Every node in the blob, the root included (depth < 0: past its end). */
static int count_nodes(const void *fdt)
{
	int n = 0, depth = 0;

	for (int node = 0; node >= 0 && depth >= 0;
	     node = fdt_next_node(fdt, node, &depth))
		n++;
	return n;
}

/* The nodes that describe a device: those with a compatible, not /. */
static int count_devices(const void *fdt)
{
	int n = 0, depth = 0;

	for (int node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0;
	     node = fdt_next_node(fdt, node, &depth))
		n += fdt_getprop(fdt, node, "compatible", NULL) != NULL;
	return n;
}

/*
 * Chapter 5's devices registered on a board, in chapter 5's order, write
 * the very tree describe() writes by hand: same nodes, same order, same
 * bytes.
 */
static void test_board_same_tree(void **state)
{
	static uint8_t other[ABI_FDT_MAX];
	static struct serial8250 uart;
	struct test_board t;
	struct dt_machine m;
	struct debugexit dbg;
	struct clock_dev clock;
	int stopped = -1;

	(void)state;
	board_start(&t, &m);
	serial8250_init(&uart, NULL, -1);
	assert_int_equal(debugexit_register(&dbg, &t.b, record_stop, &stopped),
			 0);
	assert_int_equal(serial8250_register(&uart, &t.b, ABI_PORT_COM1), 0);
	assert_int_equal(clock_register(&clock, &t.b, ABI_MMIO_CLOCK, NULL), 0);
	assert_int_equal(dt_build(&m, other, sizeof(other)), 0);
	assert_int_equal(fdt_totalsize(other), fdt_totalsize(blob));
	assert_memory_equal(other, blob, fdt_totalsize(blob));
	/* And the buses answer for what the tree lists. */
	assert_int_equal(t.pio.ndev, 2);
	assert_int_equal(t.mmio.ndev, 1);
	assert_int_equal(count_devices(other), 3);
}

/* A device the chapter did not register is not in the tree. */
static void test_board_only_registered(void **state)
{
	static uint8_t other[ABI_FDT_MAX];
	struct test_board t;
	struct dt_machine m;
	struct clock_dev clock;
	int aliases;

	(void)state;
	board_start(&t, &m);
	assert_int_equal(clock_register(&clock, &t.b, ABI_MMIO_CLOCK, NULL), 0);
	assert_int_equal(dt_build(&m, other, sizeof(other)), 0);
	assert_true(fdt_path_offset(other, "/clock@c0000000") >= 0);
	/* /, chosen, aliases, cpus, cpu@0, memory@0 and the clock only: no
	 * isa node without a port device, no alias without a UART. */
	assert_int_equal(count_nodes(other), 7);
	assert_int_equal(count_devices(other), 1);
	assert_true(fdt_path_offset(other, "/isa") < 0);
	aliases = fdt_path_offset(other, "/aliases");
	assert_true(aliases >= 0);
	assert_true(fdt_first_property_offset(other, aliases) < 0);
}

/* A range the bus refuses leaves no node (and no alias) behind. */
static void test_board_refused_leaves_no_node(void **state)
{
	static uint8_t other[ABI_FDT_MAX];
	static struct serial8250 uart;
	struct test_board t;
	struct dt_machine m;
	struct debugexit dbg;
	struct clock_dev clock, clock2;
	struct board no_mmio;
	int stopped = -1;

	(void)state;
	board_start(&t, &m);
	serial8250_init(&uart, NULL, -1);
	assert_int_equal(debugexit_register(&dbg, &t.b, record_stop, &stopped),
			 0);
	/* Ports 0xf0-0xf7 take in the debug-exit port 0xf4. */
	assert_int_equal(serial8250_register(&uart, &t.b, 0xf0), -EEXIST);
	assert_int_equal(m.ndev, 1);
	assert_int_equal(clock_register(&clock, &t.b, ABI_MMIO_CLOCK, NULL), 0);
	assert_int_equal(
	    clock_register(&clock2, &t.b, ABI_MMIO_CLOCK + 0x800, NULL),
	    -EEXIST);
	assert_int_equal(m.ndev, 2);
	/* A board without an MMIO bus has nowhere to put the clock. */
	no_mmio = (struct board){.pio = &t.pio, .dt = &m};
	assert_int_equal(
	    clock_register(&clock2, &no_mmio, ABI_MMIO_CLOCK + 0x1000, NULL),
	    -EINVAL);
	assert_int_equal(m.ndev, 2);
	assert_int_equal(dt_build(&m, other, sizeof(other)), 0);
	assert_int_equal(count_devices(other), 2);
	assert_true(fdt_node_offset_by_compatible(other, -1, "ns16550a") < 0);
	assert_null(fdt_get_alias(other, "serial0"));
	assert_true(fdt_path_offset(other, "/isa/debug-exit@if4") >= 0);
	assert_true(fdt_path_offset(other, "/clock@c0000000") >= 0);
	assert_true(fdt_path_offset(other, "/clock@c0000800") < 0);
}

/* Each UART is aliased by its place among the UARTs: serial0, serial1. */
static void test_board_serial_aliases(void **state)
{
	static uint8_t other[ABI_FDT_MAX];
	static struct serial8250 com1, com2;
	struct test_board t;
	struct dt_machine m;

	(void)state;
	board_start(&t, &m);
	serial8250_init(&com1, NULL, -1);
	serial8250_init(&com2, NULL, -1);
	assert_int_equal(serial8250_register(&com1, &t.b, ABI_PORT_COM1), 0);
	assert_int_equal(serial8250_register(&com2, &t.b, 0x2f8), 0);
	assert_int_equal(dt_build(&m, other, sizeof(other)), 0);
	assert_string_equal(fdt_get_alias(other, "serial0"),
			    "/isa/serial@i3f8");
	assert_string_equal(fdt_get_alias(other, "serial1"),
			    "/isa/serial@i2f8");
}

/*
 * Without a tree (chapters 2-4) a device registers on its bus only; the
 * debug-exit port hands each status to its stop callback, no vCPU needed.
 */
static void test_board_without_tree(void **state)
{
	struct test_board t;
	struct debugexit dbg;
	int stopped = -1;
	uint64_t v;

	(void)state;
	board_start(&t, NULL);
	assert_int_equal(debugexit_register(&dbg, &t.b, record_stop, &stopped),
			 0);
	assert_int_equal(t.pio.ndev, 1);
	v = 5;
	assert_int_equal(bus_dispatch(&t.pio, ABI_PORT_DEBUG_EXIT, 1, true, &v),
			 0);
	assert_int_equal(stopped, 5);
	/* 200 would pose as a VMM verdict: a guest fault instead. */
	v = 200;
	bus_dispatch(&t.pio, ABI_PORT_DEBUG_EXIT, 1, true, &v);
	assert_int_equal(stopped, ABI_STATUS_FAULT);
	v = 0x5a;
	assert_int_equal(
	    bus_dispatch(&t.pio, ABI_PORT_DEBUG_EXIT, 1, false, &v), 0);
	assert_int_equal(v, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_and_reserve_map),
	    cmocka_unit_test(test_root_memory_cpus),
	    cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_chosen_and_alias),
	    cmocka_unit_test(test_file_round_trip),
	    cmocka_unit_test(test_file_short_write),
	    cmocka_unit_test(test_too_small_buffer),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_board_same_tree),
	    cmocka_unit_test(test_board_only_registered),
	    cmocka_unit_test(test_board_refused_leaves_no_node),
	    cmocka_unit_test(test_board_serial_aliases),
	    cmocka_unit_test(test_board_without_tree),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
