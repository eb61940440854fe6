/* SPDX-License-Identifier: MIT */
/*
 * slowuart: the grading VMM of ch04-uart-driver, the guest's polled 8250
 * driver (the labs).
 *
 * The chapter's 16550A model sends a byte the moment it is written, so
 * THRE is always set there and a driver that never looks at LSR works
 * by luck.  A real chip needs 87 microseconds per byte at 115200 baud.
 * This grading VMM puts a UART at COM1 that is slow on purpose and keeps
 * count of every rule a driver breaks:
 *
 *   THR/LSR  After a byte is written to THR, the next two reads of LSR
 *            show THRE (and TEMT) clear; the third shows them set: the
 *            transmit FIFO has drained.  A read that shows THRE allows 16
 *            writes to THR (the FIFO); a write beyond that, or before any
 *            THRE was seen, is "while THR was busy".  A real chip would
 *            drop the byte; here it is printed anyway, so a stub's
 *            message is seen, and counted.
 *   RBR/LSR  The bytes of --input arrive one at a time, one every third
 *            read of LSR while none is waiting; LSR's DR is set while one
 *            waits.  A read of RBR with no byte waiting is counted.
 *   MSR      CTS always; DSR and DCD while input is left to deliver or
 *            to read: when it is all read, the line hangs up.
 *
 * The other registers keep what is written.  Nothing here is an exercise.
 *
 *   slowuart [--trace FILE] [--input TEXT] GUEST.elf TEST
 *
 * TEST, a number, reaches the guest in RDI (exercises/04-port-io/
 * drivertest.c says which is which).  What the guest sends goes to
 * stdout; at the end one line goes to stderr:
 *
 *   slowuart: N bytes out, B while THR was busy, L LSR reads (T with
 *   THRE), R RBR reads (E with no data ready)
 *
 * The exit status is the guest's, as for the chapter binaries; a guest
 * still running after 10 seconds is stopped (124).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/gradevm.h"
#include "abi/machine.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/exits/trace.h"

#define BUSY_READS 2  /* LSR reads with THRE clear after each THR write */
#define FIFO_BYTES 16 /* THR writes allowed per THRE seen */
#define ARRIVAL	   3  /* LSR reads per received byte */

struct slow_uart {
	uint8_t regs[8]; /* what the driver wrote: IER, LCR, MCR, SCR */
	unsigned busy;	 /* LSR reads left before THRE shows */
	unsigned credit; /* THR writes allowed since THRE was seen */
	const char *input;
	size_t in_len, in_pos;
	bool rx_ready; /* input[in_pos] waits in RBR */
	unsigned arrival;
	uint64_t bytes, busy_writes, lsr_reads, thre_seen, rbr_reads, rbr_empty;
};

static uint8_t lsr(struct slow_uart *s)
{
	uint8_t v = 0;

	s->lsr_reads++;
	if (s->busy) {
		s->busy--;
	} else {
		v |= UART_LSR_THRE | UART_LSR_TEMT;
		s->credit = FIFO_BYTES;
		s->thre_seen++;
	}
	if (!s->rx_ready && s->in_pos < s->in_len && ++s->arrival == ARRIVAL) {
		s->arrival = 0;
		s->rx_ready = true;
	}
	if (s->rx_ready)
		v |= UART_LSR_DR;
	return v;
}

static uint8_t rbr(struct slow_uart *s)
{
	s->rbr_reads++;
	if (!s->rx_ready) {
		s->rbr_empty++;
		return s->in_pos ? (uint8_t)s->input[s->in_pos - 1] : 0;
	}
	s->rx_ready = false;
	return (uint8_t)s->input[s->in_pos++];
}

static void thr(struct slow_uart *s, uint8_t byte)
{
	if (s->credit)
		s->credit--;
	else
		s->busy_writes++;
	s->busy = BUSY_READS;
	s->bytes++;
	fputc(byte, stdout);
}

static uint8_t msr(const struct slow_uart *s)
{
	if (s->rx_ready || s->in_pos < s->in_len)
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return UART_MSR_CTS;
}

/* Byte by byte, lowest port first, as the 8250's own bus handler does. */
static void slow_uart_io(void *opaque, struct bus_access *a)
{
	struct slow_uart *s = opaque;
	uint64_t value = 0;

	for (uint32_t i = 0; i < a->size; i++) {
		unsigned reg = (unsigned)(a->offset + i) & 7;
		uint8_t byte = (uint8_t)(a->value >> (8 * i)), v;

		if (a->write) {
			if (reg == UART_THR &&
			    !(s->regs[UART_LCR] & UART_LCR_DLAB))
				thr(s, byte);
			else
				s->regs[reg] = byte;
			continue;
		}
		if (reg == UART_LSR)
			v = lsr(s);
		else if (reg == UART_MSR)
			v = msr(s);
		else if (reg == UART_RBR &&
			 !(s->regs[UART_LCR] & UART_LCR_DLAB))
			v = rbr(s);
		else if (reg == UART_IIR)
			v = UART_IIR_NO_INT;
		else
			v = s->regs[reg];
		value |= (uint64_t)v << (8 * i);
	}
	if (!a->write)
		a->value = value;
}

static int usage(void)
{
	fprintf(stderr, "usage: slowuart [--trace FILE] [--input TEXT] "
			"GUEST.elf TEST\n");
	return ABI_STATUS_USAGE;
}

int main(int argc, char **argv)
{
	struct slow_uart s = {.busy = 1, .input = ""};
	struct trace trace = {0};
	struct grade_vm g;
	const char *trace_path = NULL;
	char *end;
	unsigned long test;
	int i, status;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--trace"))
			trace_path = argv[i + 1];
		else if (!strcmp(argv[i], "--input"))
			s.input = argv[i + 1];
		else
			return usage();
	}
	if (argc - i != 2)
		return usage();
	test = strtoul(argv[i + 1], &end, 0);
	if (*end || !*argv[i + 1])
		return usage();
	s.in_len = strlen(s.input);
	if (trace_open(&trace, trace_path))
		return ABI_STATUS_USAGE;

	status = grade_vm_open(&g, argv[i], ABI_RAM_DEFAULT);
	if (status)
		goto out;
	g.rec.trace = &trace;
	status = ABI_STATUS_HOST;
	if (bus_register(&g.pio, "slowuart", ABI_PORT_COM1, ABI_PORT_COM1_LEN,
			 slow_uart_io, &s) ||
	    grade_vm_boot(&g, false, test))
		goto out;
	status = vcpu_run(&g.cpu, 10);
	fflush(stdout);
	fprintf(stderr,
		"slowuart: %" PRIu64 " bytes out, %" PRIu64
		" while THR was busy, %" PRIu64 " LSR reads (%" PRIu64
		" with THRE), %" PRIu64 " RBR reads (%" PRIu64
		" with no data ready)\n",
		s.bytes, s.busy_writes, s.lsr_reads, s.thre_seen, s.rbr_reads,
		s.rbr_empty);
out:
	grade_vm_close(&g);
	/* A cut trace must not pass for the whole run. */
	if (trace_close(&trace) && status == ABI_STATUS_OK)
		status = ABI_STATUS_HOST;
	return status;
}
