/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the device tree round trip, no KVM needed.  Build the
 * chapter 5 machine's tree, parse it back with libfdt and compare every
 * property with what was described; write it to a file and read it back
 * byte for byte; and refuse what cannot work.
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
#include "kvmlab/dev/fdt.h"
#include "kvmlab/base/log.h"

#define RAM 0x400000

static uint8_t blob[ABI_FDT_MAX];

/* The machine chapter 5 describes, with 4 MiB of RAM. */
static void describe(struct dt_machine *m)
{
	struct dt_device *d;

	dt_init(m, "test machine", RAM);
	dt_reserve(m, ABI_PT_BASE, ABI_PT_SIZE);
	dt_reserve(m, ABI_FDT_ADDR(RAM), ABI_FDT_MAX);
	dt_add_device(m, DT_IOPORT, "debug-exit", "kvmlab,debug-exit",
		      ABI_PORT_DEBUG_EXIT, 1);
	d = dt_add_device(m, DT_IOPORT, "serial", "ns16550a", ABI_PORT_COM1,
			  ABI_PORT_COM1_LEN);
	dt_prop_u32(d, "clock-frequency", ABI_UART_CLOCK_HZ);
	dt_prop_u32(d, "current-speed", 115200);
	d->alias = "serial0";
	dt_add_device(m, DT_MMIO, "clock", "kvmlab,clock", ABI_MMIO_CLOCK,
		      ABI_MMIO_CLOCK_LEN);
	m->bootargs = "console=ttyS0 loops=7";
	m->stdout_path = "serial0:115200n8";
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
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
