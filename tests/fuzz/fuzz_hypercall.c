/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: chapter 7's hypercall dispatcher against hostile guests
 * (libFuzzer, with ASan and UBSan; tests/fuzz/run.sh builds and runs it).
 *
 * A guest chooses everything a hypercall reads: the port, the access,
 * the block's address and every byte of RAM, so every pointer and length
 * in a block.  One fuzz input is one such guest:
 *
 *   byte 0      call number: any, for hypercall_dispatch(); on the
 *               bus, the port is ABI_PORT_HYPERCALL + (byte & 0x1f), up
 *               to 16 ports past the range
 *   byte 1      0: hypercall_dispatch() directly; else an access on the
 *               port bus: bits 0-3 its size in bytes, bit 4 set for an
 *               OUT (sizes 0 and 3-15 reach the bus's own checks)
 *   bytes 2-9   the block's guest-physical address, little-endian (an
 *               OUT carries its low 32 bits)
 *   the rest    guest RAM from address 0 (the rest of RAM is zero)
 *
 * RAM is RAM_SIZE bytes of its own heap allocation, so ASan reports any
 * access past it.  Beyond not crashing, every call must keep the ABI's
 * promises; a broken one aborts, which libFuzzer reports as a crash.
 * tests/fuzz/corpus/hypercall/ holds a seed of each call, good and bad
 * (tests/fuzz/seed_hypercall.sh writes them).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

#include "abi/hypercall.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/exits/stats.h"
#include "kvmlab/para/hypercall.h"

#define RAM_SIZE 0x10000 /* 64 KiB: small, so inputs find blocks in it */
#define HEAD	 10	 /* call, access, gpa */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static uint8_t *before; /* RAM as the input left it, before the call */
static struct guest_mem mem;
static FILE *devnull;
static struct stats stats;
static int stops, last_status;

static void stop(void *opaque, int status)
{
	(void)opaque;
	stops++;
	last_status = status;
}

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_hypercall: broken promise: %s\n", what);
	abort();
}

static void setup(void)
{
	ram = malloc(RAM_SIZE);
	before = malloc(RAM_SIZE);
	/* The console's bytes are read (fwrite copies them), not kept. */
	devnull = fopen("/dev/null", "w");
	if (!ram || !before || !devnull)
		abort();
	mem = (struct guest_mem){.host = ram, .size = RAM_SIZE};
	log_level = LOG_QUIET; /* every refusal logs: millions of lines */
	stats.total = 10;
	stats.by_reason[KVM_EXIT_IO] = 7;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Whether RAM's bytes [from, to) are as the input left them.  memcmp(),
 * not a loop: a loop here would be instrumented for the fuzzer, byte by
 * byte, and slow every run down. */
static bool unchanged(uint64_t from, uint64_t to)
{
	return from >= to || memcmp(ram + from, before + from, to - from) == 0;
}

/*
 * A call may change its header; the calls that answer in their block
 * (time, exit-stats) the block, when they succeed.  Nothing else, and
 * nothing at all when the header is outside RAM.
 */
static void check_memory(unsigned call, uint64_t gpa, int64_t ret)
{
	uint64_t len = sizeof(struct hc_header);

	if (unchanged(0, RAM_SIZE))
		return;
	if (!gpa_to_host(&mem, gpa, sizeof(struct hc_header)))
		broken("RAM changed though the header is outside it");
	if (ret >= 0 && call == HC_TIME)
		len = sizeof(struct hc_time);
	if (ret >= 0 && call == HC_EXIT_STATS)
		len = sizeof(struct hc_exit_stats);
	if (!unchanged(0, gpa) || !unchanged(gpa + len, RAM_SIZE))
		broken("RAM changed outside what the call may write");
}

/* A console write that succeeded printed its whole buffer, and its
 * buffer was in RAM: worked out here, apart from memory.c's check. */
static void check_console(uint64_t gpa, int64_t ret)
{
	struct hc_console_write a;

	if (gpa > RAM_SIZE - sizeof(a))
		broken("a console write succeeded with its block outside RAM");
	memcpy(&a, before + gpa, sizeof(a));
	if ((uint64_t)ret != a.len)
		broken("a console write printed other than its length");
	if (a.len && (a.buf >= RAM_SIZE || a.len > RAM_SIZE - a.buf))
		broken("a console write printed from outside RAM");
}

static void direct(struct hypercall *h, unsigned call, uint64_t gpa)
{
	int64_t ret = hypercall_dispatch(h, call, gpa);
	struct hc_header hdr;

	if (ret < 0 && ret != HC_EFAULT && ret != HC_EINVAL &&
	    ret != HC_ENOSYS && ret != HC_EMSGSIZE)
		broken("an error the ABI does not define");
	if (call == HC_CONSOLE_WRITE && ret > HC_CONSOLE_MAX)
		broken("more bytes printed than the limit");
	if (call >= HC_NR_CALLS && ret != HC_ENOSYS && ret != HC_EFAULT)
		broken("an unknown call did not fail");
	if (guest_read(&mem, gpa, &hdr, sizeof(hdr)) == 0) {
		if (hdr.ret != ret)
			broken("the header does not hold the answer");
	} else if (ret != HC_EFAULT) {
		broken("a header outside RAM was not HC_EFAULT");
	}
	if (stops != (call == HC_HALT && ret == 0))
		broken("stop() without a successful halt, or a halt without");
	if (call == HC_CONSOLE_WRITE && ret >= 0)
		check_console(gpa, ret);
	check_memory(call, gpa, ret);
}

static uint64_t calls_made(const struct hypercall *h)
{
	uint64_t n = h->unknown;

	for (unsigned i = 0; i < HC_NR_CALLS; i++)
		n += h->calls[i];
	return n;
}

static void on_bus(struct hypercall *h, unsigned call, uint8_t how,
		   uint64_t gpa)
{
	struct bus pio;
	const struct board board = {.pio = &pio};
	uint32_t size = how & 0x0f;
	uint64_t value = gpa;

	bus_init(&pio, "pio");
	if (hypercall_register(h, &board))
		broken("registration failed");
	/* Ports a little past the range too: they are not ours. */
	bus_dispatch(&pio, ABI_PORT_HYPERCALL + (call & 0x1f), size, how & 0x10,
		     &value);
	/* Only a 4-byte OUT calls (a 5- to 7-byte access has a 4-byte
	 * part, KVM's split at a page boundary: bus.c). */
	if (calls_made(h) && (!(how & 0x10) || size < 4 || size == 8))
		broken("an access other than a 4-byte OUT made a call");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hypercall h;
	unsigned call;
	uint64_t gpa;
	size_t n;

	if (!ram)
		setup();
	if (size < HEAD)
		return 0;
	call = data[0];
	gpa = le64(data + 2);
	n = size - HEAD < RAM_SIZE ? size - HEAD : RAM_SIZE;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + HEAD, n);
	memcpy(before, ram, RAM_SIZE);
	stops = 0;
	last_status = -1;
	hypercall_init(&h, &mem, devnull, &stats, stop, NULL);
	if (data[1] == 0)
		direct(&h, call, gpa);
	else
		on_bus(&h, call, data[1], gpa);
	if (stops > 1 ||
	    (stops && (last_status < 0 || last_status > ABI_STATUS_GUEST_MAX)))
		broken("stop() with a status outside 0-63, or twice");
	return 0;
}
