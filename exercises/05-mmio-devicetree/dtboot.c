/* SPDX-License-Identifier: MIT */
/*
 * dtboot: the grading VMM of ch05-discover, the guest's reading of the
 * device tree (the labs).
 *
 * build/ch05 describes its machine with kvmlab/dev/fdt.c, which is
 * ch05-dt-node's exercise, and a guest that worked only with that one
 * tree could have the chapter's addresses compiled in.  This VMM writes
 * a tree of its own with libfdt, unlike the chapter's wherever a guest
 * could take a short cut: one-cell addresses at the root, a bus with
 * two (and an address above 4 GiB on it), an ISA bus with I/O and
 * memory space, the console behind an alias, a node with a reg too
 * short and one under a bus with three address cells.
 *
 * A tree that never changed would not do either: a guest could print
 * the lines the grader looks for without reading it.  So every number a
 * guest must find is drawn from a seed: RAM's size, the addresses and
 * sizes of the devices (the unit addresses in their names follow), the
 * console's port, its alias and its options.  The numbers stay valid:
 * ports fit 16 bits, no two ranges of one address space overlap, the
 * console is never the debug-exit port nor COM1, where the guest
 * prints.  Only the grader learns what a correct guest must print
 * (--expect).  TREE picks what /chosen/stdout-path says:
 *
 *   alias      "serialN:BAUD..."   the alias of the ns16550a on /isa
 *   path       "/isa/serial@iP"    its path, no options
 *   not-16550  "/isa/uart@iP:BAUD" an I/O UART, but not a ns16550a
 *   not-io     "/mmio-uart@A"      a ns16550a in memory space
 *   missing    "serialN"           an alias that does not exist
 *   none       no stdout-path at all
 *
 * The blob goes to the top of RAM (ABI_FDT_ADDR), its address in RDI,
 * and the guest (exercises/05-mmio-devicetree/discover.c) prints what it
 * found through the chapter 1-3 console at COM1.  Nothing here is an
 * exercise: long mode comes from exercises/lib/gradevm.c.
 *
 *   dtboot [--seed N] [--expect FILE] [--dump-dtb FILE] TREE [GUEST.elf]
 *
 * --seed N draws the tree of seed N (0 to 2^32-1), to repeat a run; by
 * default the kernel gives one (getrandom).  Either way the seed goes to
 * stderr.  --expect FILE writes there, one line per node with a reg and
 * one for the console, TEST, PATH, the line a correct guest prints and
 * what the tree holds, separated by tabs (grade.sh reads it).
 * --dump-dtb FILE writes the blob (`dtc -I dtb -O dts FILE` decodes it);
 * with no GUEST.elf that is all.  The exit status is the guest's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libfdt.h>

#include "../lib/gradevm.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/console.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* x86 keeps its IOAPIC and local APICs from here up: devices stay below. */
#define APICS 0xfec00000ull

enum kind { ALIAS, PATH, NOT_16550, NOT_IO, MISSING, NONE, KINDS };

static const char *const kinds[KINDS] = {"alias",  "path",    "not-16550",
					 "not-io", "missing", "none"};

/* Never 115200: that is what a guest must assume when there is none. */
static const unsigned bauds[] = {1200,	2400,  4800,   9600,   19200,
				 38400, 57600, 230400, 460800, 921600};
/* What may follow the baud rate: parity, bits, flow control. */
static const char *const options[] = {"", "n8", "e7", "o8", "n8r"};

/* An address range in one address space: I/O ports or memory. */
struct range {
	bool io;
	uint64_t addr, size;
};

/* The numbers of one tree, all drawn from the seed. */
struct machine {
	enum kind kind;
	uint32_t seed;
	uint64_t ram; /* /memory@0 */
	/* The root's devices, one address cell and one size cell. */
	struct range clock, mmio_uart, short_reg;
	struct range widget; /* on /soc: two and two, above 4 GiB */
	uint32_t thing[4];   /* on /odd: three address cells and a size */
	/* /isa: the console and the UART that is not a 16550, in I/O
	 * space; the ROM in memory space. */
	struct range com, uart, rom;
	unsigned com_alias, uart_alias, missing_alias, baud;
	const char *opts;  /* after the baud rate */
	bool missing_opts; /* the missing alias has options too */
};

/* ---- drawing the numbers ----------------------------------------------- */

/* splitmix64: a small generator whose whole state is the seed. */
static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = rng += 0x9e3779b97f4a7c15ull;

	z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ z >> 27) * 0x94d049bb133111ebull;
	return z ^ z >> 31;
}

/* A multiple of `align` (a power of two) in [lo, hi]. */
static uint64_t pick(uint64_t lo, uint64_t hi, uint64_t align)
{
	lo = (lo + align - 1) & ~(align - 1);
	return lo + rnd() % ((hi - lo) / align + 1) * align;
}

/* 2^k bytes, k from lo to hi. */
static uint64_t pow2(unsigned lo, unsigned hi)
{
	return 1ull << pick(lo, hi, 1);
}

static bool overlaps(struct range a, const struct range *taken, int n)
{
	for (int i = 0; i < n; i++)
		if (a.addr < taken[i].addr + taken[i].size &&
		    taken[i].addr < a.addr + a.size)
			return true;
	return false;
}

/* `size` bytes aligned to `align` in [lo, end), clear of the `*n` ranges
 * taken, which it joins. */
static struct range place(bool io, uint64_t size, uint64_t align, uint64_t lo,
			  uint64_t end, struct range *taken, int *n)
{
	struct range r = {io, 0, size};

	do
		r.addr = pick(lo, end - size, align);
	while (overlaps(r, taken, *n));
	taken[(*n)++] = r;
	return r;
}

static void draw(struct machine *m)
{
	struct range mem[3], ports[4] = {
				 {true, ABI_PORT_DEBUG_EXIT, 1},
				 {true, ABI_PORT_COM1, ABI_PORT_COM1_LEN},
			     };
	int nmem = 0, nports = 2;
	uint64_t size;

	rng = m->seed;
	m->ram = pick(ABI_RAM_MIN, 8 * ABI_RAM_MIN, ABI_RAM_MIN);

	/* In the MMIO hole, page-aligned; the short reg has no size, but
	 * keeps a page of its own. */
	size = pow2(12, 16);
	m->clock = place(false, size, size, ABI_MMIO_HOLE, APICS, mem, &nmem);
	m->mmio_uart =
	    place(false, pow2(5, 12), 0x1000, ABI_MMIO_HOLE, APICS, mem, &nmem);
	m->short_reg =
	    place(false, 0x1000, 0x1000, ABI_MMIO_HOLE, APICS, mem, &nmem);

	/* Both cells of the address matter: neither is 0. */
	size = pow2(12, 31);
	m->widget.size = size;
	do
		m->widget.addr = pick(1ull << 32, (1ull << 40) - size, size);
	while (!(uint32_t)m->widget.addr);

	m->thing[0] = pick(0, 0xf, 1);
	m->thing[1] = pick(1, 0xffff, 1);
	m->thing[2] = pick(0, 0xfffff000, 0x1000);
	m->thing[3] = pick(0x10, 0x1000, 0x10);

	/* Above the PC's motherboard ports, clear of debug-exit and COM1. */
	m->com = place(true, 8, 8, 0x100, 0x10000, ports, &nports);
	m->uart = place(true, 8, 8, 0x100, 0x10000, ports, &nports);
	/* Option ROM space, aligned to its size. */
	size = pow2(11, 16);
	m->rom =
	    (struct range){false, pick(0xc0000, 0x100000 - size, size), size};

	m->com_alias = pick(0, 9, 1);
	do
		m->uart_alias = pick(0, 9, 1);
	while (m->uart_alias == m->com_alias);
	do
		m->missing_alias = pick(0, 9, 1);
	while (m->missing_alias == m->com_alias ||
	       m->missing_alias == m->uart_alias);
	m->baud = bauds[rnd() % (sizeof(bauds) / sizeof(bauds[0]))];
	m->opts = options[rnd() % (sizeof(options) / sizeof(options[0]))];
	m->missing_opts = rnd() & 1;
}

/* ---- writing the tree and what a guest must find in it ----------------- */

struct out {
	void *fdt;
	FILE *expect; /* NULL: nobody asked */
};

/* A parent: where its children's reg cells come from. */
struct parent {
	const char *name, *path; /* the root: "" and "" */
	int ac, sc;
	bool isa; /* device_type "isa": the first address cell is the space */
};

static const struct parent root = {"", "", 1, 1, false};
static const struct parent cpus = {"cpus", "/cpus", 1, 0, false};
static const struct parent isa = {"isa", "/isa", 2, 1, true};
static const struct parent soc = {"soc", "/soc", 2, 2, false};
static const struct parent odd = {"odd", "/odd", 3, 1, false};

/* Return a libfdt error from the enclosing function. */
#define TRY(call)                                                              \
	do {                                                                   \
		int r_ = (call);                                               \
		if (r_ < 0)                                                    \
			return r_;                                             \
	} while (0)

/* One line for grade.sh: the test that checks it, the node's path, what
 * a correct guest prints, what the tree holds. */
static void expect(struct out *o, const char *test, const char *path,
		   const char *line, const char *holds)
{
	if (o->expect)
		fprintf(o->expect, "%s\t%s\t%s\t%s\n", test, path, line, holds);
}

static int open_bus(void *fdt, const struct parent *b)
{
	TRY(fdt_begin_node(fdt, b->name));
	TRY(fdt_property_u32(fdt, "#address-cells", b->ac));
	TRY(fdt_property_u32(fdt, "#size-cells", b->sc));
	if (b->isa)
		TRY(fdt_property_string(fdt, "device_type", "isa"));
	return 0;
}

/* NAME@UNIT: the unit address is reg's first address, an ISA port's
 * after an "i", as kvmlab/dev/fdt.c names its nodes. */
static void unit(char *buf, size_t len, const char *name, struct range r)
{
	snprintf(buf, len, "%s@%s%" PRIx64, name, r.io ? "i" : "", r.addr);
}

/* Split `v` into `n` big-endian cells. */
static void put(uint32_t *cell, int n, uint64_t v)
{
	while (n--) {
		cell[n] = (uint32_t)v;
		v >>= 32;
	}
}

/*
 * The node `name` under `b`, with its property `prop` (compatible, or
 * device_type for memory and a CPU) and a reg of `n` cells; and for
 * grade.sh, under `test`, the line the grading guest prints when
 * read_reg() is right: `r`, or refused when r is NULL.
 */
static int node(struct out *o, const struct parent *b, const char *name,
		const char *prop, const char *value, const uint32_t *cell,
		int n, const char *test, const struct range *r)
{
	char path[96], line[160], holds[200];
	fdt32_t reg[5];
	int k;

	for (int i = 0; i < n; i++)
		reg[i] = cpu_to_fdt32(cell[i]);
	TRY(fdt_begin_node(o->fdt, name));
	TRY(fdt_property_string(o->fdt, prop, value));
	TRY(fdt_property(o->fdt, "reg", reg, n * (int)sizeof(reg[0])));
	TRY(fdt_end_node(o->fdt));

	snprintf(path, sizeof(path), "%s/%s", b->path, name);
	if (r)
		snprintf(line, sizeof(line),
			 "reg %s: %s 0x%" PRIx64 " size 0x%" PRIx64, path,
			 r->io ? "io" : "mem", r->addr, r->size);
	else
		snprintf(line, sizeof(line), "reg %s: refused", path);
	k = snprintf(holds, sizeof(holds), "reg = <");
	for (int i = 0; i < n; i++)
		k += snprintf(holds + k, sizeof(holds) - k, "%s0x%" PRIx32,
			      i ? " " : "", cell[i]);
	snprintf(holds + k, sizeof(holds) - k,
		 "> under %s (#address-cells %d, #size-cells %d%s)",
		 *b->path ? b->path : "/", b->ac, b->sc,
		 b->isa ? ", device_type \"isa\"" : "");
	expect(o, test, path, line, holds);
	return 0;
}

/* A device whose reg holds `r` in the cells `b` asks for. */
static int device(struct out *o, const struct parent *b, const char *name,
		  const char *compatible, struct range r, const char *test)
{
	uint32_t cell[5];
	char full[48];

	unit(full, sizeof(full), name, r);
	if (b->isa) {
		cell[0] = r.io;
		cell[1] = (uint32_t)r.addr;
	} else {
		put(cell, b->ac, r.addr);
	}
	put(cell + b->ac, b->sc, r.size);
	return node(o, b, full, "compatible", compatible, cell, b->ac + b->sc,
		    test, &r);
}

/* /chosen/stdout-path for the tree's kind; and what a correct guest
 * makes of it. */
static int chosen(struct out *o, const struct machine *m)
{
	char com[32], uart[32], mmio_uart[32], path[64], line[192], holds[200];

	unit(com, sizeof(com), "serial", m->com);
	unit(uart, sizeof(uart), "uart", m->uart);
	unit(mmio_uart, sizeof(mmio_uart), "mmio-uart", m->mmio_uart);
	switch (m->kind) {
	case ALIAS:
		snprintf(path, sizeof(path), "serial%u:%u%s", m->com_alias,
			 m->baud, m->opts);
		snprintf(holds, sizeof(holds),
			 "stdout-path \"%s\": alias serial%u = \"/isa/%s\", a "
			 "ns16550a with reg = <0x1 0x%" PRIx64 " 0x8>",
			 path, m->com_alias, com, m->com.addr);
		break;
	case PATH:
		snprintf(path, sizeof(path), "/isa/%s", com);
		snprintf(holds, sizeof(holds),
			 "stdout-path \"%s\", no options: a ns16550a with reg "
			 "= <0x1 0x%" PRIx64 " 0x8>",
			 path, m->com.addr);
		break;
	case NOT_16550:
		snprintf(path, sizeof(path), "/isa/%s:%u", uart, m->baud);
		snprintf(holds, sizeof(holds),
			 "stdout-path \"%s\": a UART in I/O space, compatible "
			 "\"acme,uart\", not \"ns16550a\"",
			 path);
		break;
	case NOT_IO:
		snprintf(path, sizeof(path), "/%s", mmio_uart);
		snprintf(holds, sizeof(holds),
			 "stdout-path \"%s\": a ns16550a in memory space, reg "
			 "= <0x%" PRIx64 " 0x%" PRIx64 "> under /",
			 path, m->mmio_uart.addr, m->mmio_uart.size);
		break;
	case MISSING:
		snprintf(path, sizeof(path), "serial%u", m->missing_alias);
		if (m->missing_opts)
			snprintf(path + strlen(path),
				 sizeof(path) - strlen(path), ":%u%s", m->baud,
				 m->opts);
		snprintf(holds, sizeof(holds),
			 "stdout-path \"%s\": /aliases has only serial%u and "
			 "serial%u",
			 path, MIN(m->com_alias, m->uart_alias),
			 MAX(m->com_alias, m->uart_alias));
		break;
	default:
		*path = 0;
		snprintf(holds, sizeof(holds), "/chosen has no stdout-path");
	}
	if (m->kind == ALIAS || m->kind == PATH)
		snprintf(line, sizeof(line),
			 "console: /isa/%s port 0x%" PRIx64
			 ", %u baud (stdout-path %s)",
			 com, m->com.addr, m->kind == ALIAS ? m->baud : 115200,
			 path);
	else
		snprintf(line, sizeof(line), "console: refused");
	expect(o, "console", "/chosen", line, holds);

	TRY(fdt_begin_node(o->fdt, "chosen"));
	if (*path)
		TRY(fdt_property_string(o->fdt, "stdout-path", path));
	TRY(fdt_end_node(o->fdt));

	/* Both UARTs have an alias, in number order. */
	TRY(fdt_begin_node(o->fdt, "aliases"));
	for (unsigned n = 0; n < 10; n++) {
		char alias[16], target[48];

		if (n != m->com_alias && n != m->uart_alias)
			continue;
		snprintf(alias, sizeof(alias), "serial%u", n);
		snprintf(target, sizeof(target), "/isa/%s",
			 n == m->com_alias ? com : uart);
		TRY(fdt_property_string(o->fdt, alias, target));
	}
	return fdt_end_node(o->fdt);
}

static int build(struct out *o, int size, const struct machine *m)
{
	void *fdt = o->fdt;
	char name[48];

	if (o->expect)
		fprintf(o->expect, "# dtboot --seed %" PRIu32 " %s\n", m->seed,
			kinds[m->kind]);
	TRY(fdt_create(fdt, size));
	TRY(fdt_add_reservemap_entry(fdt, ABI_FDT_ADDR(m->ram), ABI_FDT_MAX));
	TRY(fdt_finish_reservemap(fdt));
	TRY(open_bus(fdt, &root));
	TRY(fdt_property_string(fdt, "compatible", "kvmlab,grading"));
	TRY(fdt_property_string(fdt, "model", "ch05-discover's machine"));
	TRY(chosen(o, m));

	/* cpus: one address cell and no size. */
	TRY(open_bus(fdt, &cpus));
	TRY(node(o, &cpus, "cpu@0", "device_type", "cpu", (uint32_t[]){0}, 1,
		 "reg-cells", &(struct range){false, 0, 0}));
	TRY(fdt_end_node(fdt));
	TRY(node(o, &root, "memory@0", "device_type", "memory",
		 (uint32_t[]){0, (uint32_t)m->ram}, 2, "reg-cells",
		 &(struct range){false, 0, m->ram}));

	/* ISA: space (1 = I/O, 0 = memory), address; one size cell. */
	TRY(open_bus(fdt, &isa));
	TRY(device(o, &isa, "debug-exit", "kvmlab,debug-exit",
		   (struct range){true, ABI_PORT_DEBUG_EXIT, 1}, "reg-isa"));
	TRY(device(o, &isa, "serial", "ns16550a", m->com, "reg-isa"));
	TRY(device(o, &isa, "uart", "acme,uart", m->uart, "reg-isa"));
	TRY(device(o, &isa, "rom", "kvmlab,isa-rom", m->rom, "reg-isa"));
	TRY(fdt_end_node(fdt));

	/* The root's own cells: one for an address, one for a size. */
	TRY(device(o, &root, "clock", "kvmlab,clock", m->clock, "reg-cells"));
	TRY(device(o, &root, "mmio-uart", "ns16550a", m->mmio_uart,
		   "reg-cells"));
	/* Too short for one address and one size. */
	unit(name, sizeof(name), "short", m->short_reg);
	TRY(node(o, &root, name, "compatible", "kvmlab,short",
		 (uint32_t[]){(uint32_t)m->short_reg.addr}, 1, "reg-refused",
		 NULL));

	/* A bus with 64-bit addresses and sizes. */
	TRY(open_bus(fdt, &soc));
	TRY(device(o, &soc, "widget", "kvmlab,widget", m->widget, "reg-cells"));
	TRY(fdt_end_node(fdt));

	/* Three address cells: more than a reader of 64-bit addresses can
	 * take.  The unit address is all three as one number. */
	TRY(open_bus(fdt, &odd));
	if (m->thing[0])
		snprintf(name, sizeof(name),
			 "thing@%" PRIx32 "%08" PRIx32 "%08" PRIx32,
			 m->thing[0], m->thing[1], m->thing[2]);
	else
		snprintf(name, sizeof(name), "thing@%" PRIx32 "%08" PRIx32,
			 m->thing[1], m->thing[2]);
	TRY(node(o, &odd, name, "compatible", "kvmlab,odd", m->thing, 4,
		 "reg-refused", NULL));
	TRY(fdt_end_node(fdt));

	TRY(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

/* ---- running it ---------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr,
		"usage: dtboot [--seed N] [--expect FILE] [--dump-dtb FILE] "
		"alias|path|not-16550|not-io|missing|none [GUEST.elf]\n");
	return ABI_STATUS_USAGE;
}

int main(int argc, char **argv)
{
	static uint8_t blob[4096];
	struct machine m = {0};
	struct out o = {blob, NULL};
	struct grade_vm g;
	struct console con;
	const char *seed = NULL, *expect_path = NULL, *dump = NULL;
	FILE *f;
	unsigned long long n;
	char *end;
	int i, r, status;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = argv[i + 1];
		else if (!strcmp(argv[i], "--expect"))
			expect_path = argv[i + 1];
		else if (!strcmp(argv[i], "--dump-dtb"))
			dump = argv[i + 1];
		else
			return usage();
	}
	if (argc - i != 2 && !(dump && argc - i == 1))
		return usage();
	for (m.kind = 0; m.kind < KINDS; m.kind++)
		if (!strcmp(argv[i], kinds[m.kind]))
			break;
	if (m.kind == KINDS)
		return usage();
	if (seed) {
		n = strtoull(seed, &end, 0);
		if (*end || !*seed || *seed == '-' || n > UINT32_MAX) {
			error("--seed %s: not a number from 0 to %" PRIu32,
			      seed, UINT32_MAX);
			return ABI_STATUS_USAGE;
		}
		m.seed = (uint32_t)n;
	} else if (getrandom(&m.seed, sizeof(m.seed), 0) != sizeof(m.seed)) {
		error("getrandom: %s", strerror(errno));
		return ABI_STATUS_HOST;
	}
	fprintf(stderr,
		"dtboot: seed %" PRIu32 " (the same tree again: "
		"--seed %" PRIu32 ")\n",
		m.seed, m.seed);
	draw(&m);

	if (expect_path && !(o.expect = fopen(expect_path, "w"))) {
		error("%s: %s", expect_path, strerror(errno));
		return ABI_STATUS_HOST;
	}
	r = build(&o, sizeof(blob), &m);
	if (o.expect && fclose(o.expect)) {
		error("%s: %s", expect_path, strerror(errno));
		return ABI_STATUS_HOST;
	}
	if (r < 0) {
		error("building the tree failed: %s", fdt_strerror(r));
		return ABI_STATUS_HOST;
	}
	if (dump) {
		f = fopen(dump, "wb");
		if (!f || fwrite(blob, fdt_totalsize(blob), 1, f) != 1 ||
		    fclose(f)) {
			error("%s: %s", dump, strerror(errno));
			return ABI_STATUS_HOST;
		}
		if (argc - i == 1)
			return 0;
	}
	status = grade_vm_open(&g, argv[i + 1], m.ram);
	if (status)
		goto out;
	status = ABI_STATUS_HOST;
	if (guest_write(&g.vm.mem, ABI_FDT_ADDR(m.ram), blob,
			fdt_totalsize(blob)) ||
	    console_register(&con, &g.pio, stdout) ||
	    grade_vm_boot(&g, false, ABI_FDT_ADDR(m.ram)))
		goto out;
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
out:
	grade_vm_close(&g);
	return status;
}
