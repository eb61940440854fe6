/* SPDX-License-Identifier: MIT */
/*
 * test_ch04: the graded unit tests of chapter 4's VMM exercises: the
 * UART's receiver and line status register (ch04-uart-lsr) and divisor
 * latch (ch04-divisor-latch) in kvmlab/dev/serial8250.c, and the run
 * loop's port I/O, IN's answer and REP's count (ch04-port-dispatch,
 * io_elements() in kvmlab/kvm/vcpu.c).
 *
 * No KVM needed: the UART tests call serial8250_read() and
 * serial8250_write() as the bus handler does, with the values of the
 * 16550 data sheet; the port I/O tests fill a kvm_run page as KVM does
 * at an IO exit, hand it to vcpu_handle_exit() and read the page back
 * as KVM_RUN would, with a probe device on the port bus.  The LSR tests
 * never set DLAB, and the divisor-latch tests never read RBR or LSR with
 * DLAB clear (they look at the model's fields instead): each exercise is
 * graded on its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/grade.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/kvm/vcpu.h"

/* A UART after reset, whose line goes to a memory buffer. */
static struct serial8250 u;
static FILE *line;
static char *sent_buf;
static size_t sent_len;

static void uart_reset(void)
{
	log_level = LOG_QUIET;
	line = open_memstream(&sent_buf, &sent_len);
	check(line != NULL, "out of memory");
	serial8250_init(&u, line, -1);
}

static int uart_done(void **state)
{
	(void)state;
	if (line)
		fclose(line);
	free(sent_buf);
	line = NULL;
	sent_buf = NULL;
	return 0;
}

/* What the UART has sent on its line so far. */
static const char *sent(void)
{
	fflush(line);
	return sent_buf;
}

static uint8_t rd(unsigned reg)
{
	return serial8250_read(&u, reg);
}

static void wr(unsigned reg, uint8_t v)
{
	serial8250_write(&u, reg, v);
}

static void want_lsr(uint8_t want, const char *when)
{
	uint8_t got = rd(UART_LSR);

	check(got == want,
	      "%s: LSR = 0x%02x, expected 0x%02x (DR 0x01, OE 0x02, THRE "
	      "0x20, TEMT 0x40)",
	      when, got, want);
}

static void want_rbr(uint8_t want, const char *when)
{
	uint8_t got = rd(UART_RBR);

	check(got == want, "%s: RBR = 0x%02x '%c', expected 0x%02x '%c'", when,
	      got, got >= 0x20 && got < 0x7f ? got : '?', want,
	      want >= 0x20 && want < 0x7f ? want : '?');
}

/* ---- ch04-uart-lsr ---------------------------------------------------- */

static void lsr_reset(void **state)
{
	(void)state;
	uart_reset();
	want_lsr(0x60, "after reset (nothing received, transmitter idle)");
	want_lsr(0x60, "read again");
}

static void lsr_data_ready(void **state)
{
	(void)state;
	uart_reset();
	check(serial8250_receive(&u, 'x'), "the first byte was refused");
	want_lsr(0x61, "a byte arrived");
	want_lsr(0x61, "LSR read again: DR stays until RBR is read");
	want_rbr('x', "the byte that arrived");
	want_lsr(0x60, "RBR was read: the receiver is empty");
	want_rbr('x', "RBR read with nothing received (the last byte)");
	want_lsr(0x60, "that read took nothing away");
}

static void lsr_overrun(void **state)
{
	(void)state;
	uart_reset();
	/* FIFOs off: one byte of buffer; the second byte is lost (OE). */
	serial8250_receive(&u, '1');
	serial8250_receive(&u, '2');
	want_lsr(0x63, "a second byte arrived before the first was read");
	want_lsr(0x61, "LSR read again: reading LSR cleared OE");
	want_rbr('1', "after an overrun, the byte that was kept");
	want_lsr(0x60, "RBR was read");
}

static void lsr_fifo_order(void **state)
{
	char what[64];

	(void)state;
	uart_reset();
	wr(UART_FCR, UART_FCR_ENABLE);
	for (int i = 0; i < UART_FIFO_SIZE; i++)
		serial8250_receive(&u, (uint8_t)('a' + i));
	for (int i = 0; i < UART_FIFO_SIZE; i++) {
		snprintf(what, sizeof(what), "%d bytes left in the FIFO",
			 UART_FIFO_SIZE - i);
		want_lsr(0x61, what);
		snprintf(what, sizeof(what), "byte %d of 16, oldest first",
			 i + 1);
		want_rbr((uint8_t)('a' + i), what);
	}
	want_lsr(0x60, "all 16 bytes were read");
}

static void lsr_thre(void **state)
{
	(void)state;
	uart_reset();
	/* Transmission is instant: THRE and TEMT hold across writes. */
	for (const char *p = "ok\n"; *p; p++) {
		want_lsr(0x60, "before a THR write");
		wr(UART_THR, (uint8_t)*p);
		want_lsr(0x60, "right after a THR write (sent at once)");
	}
	check(!strcmp(sent(), "ok\n"), "the line carried \"%s\"", sent());
	/* In loopback a byte sent comes back: THRE and DR together. */
	wr(UART_MCR, UART_MCR_LOOP);
	wr(UART_THR, 'L');
	want_lsr(0x61, "a byte sent in loopback came back");
	want_rbr('L', "the looped-back byte");
	want_lsr(0x60, "the looped-back byte was read");
}

/* ---- ch04-divisor-latch ---------------------------------------------- */

static void latch_dll_dlm(void **state)
{
	uint8_t dll, dlm;

	(void)state;
	uart_reset();
	wr(UART_IER, UART_IER_RDI);
	wr(UART_LCR, UART_LCR_DLAB | 0x03);
	wr(UART_DLL, 0x34);
	wr(UART_DLM, 0x12);
	dll = rd(UART_DLL);
	dlm = rd(UART_DLM);
	check(dll == 0x34 && dlm == 0x12,
	      "with DLAB set, offsets 0 and 1 read 0x%02x 0x%02x after 0x34 "
	      "and 0x12 were written there",
	      dll, dlm);
	check(u.dll == 0x34 && u.dlm == 0x12,
	      "u->dll = 0x%02x, u->dlm = 0x%02x: the divisor latch is kept "
	      "in dll and dlm",
	      u.dll, u.dlm);
	check(!strcmp(sent(), ""),
	      "writing DLL sent \"%s\" on the line: with DLAB set offset 0 "
	      "is not THR",
	      sent());
	check(u.ier == UART_IER_RDI,
	      "writing DLM changed IER to 0x%02x: with DLAB set offset 1 is "
	      "not IER",
	      u.ier);
	check(rd(UART_LCR) == (UART_LCR_DLAB | 0x03),
	      "LCR (offset 3) must read back as written whatever DLAB is");
}

static void latch_no_rx(void **state)
{
	(void)state;
	uart_reset();
	serial8250_receive(&u, 'k');
	wr(UART_LCR, UART_LCR_DLAB);
	check(rd(UART_DLL) == 12, "DLL after reset is 12 (9600 baud)");
	check(u.rx_count == 1,
	      "reading DLL took the received byte: with DLAB set offset 0 "
	      "is not RBR");
}

static void latch_dlab_off(void **state)
{
	size_t before;

	(void)state;
	uart_reset();
	wr(UART_LCR, UART_LCR_DLAB);
	wr(UART_DLL, 0x01);
	wr(UART_DLM, 0x00);
	wr(UART_LCR, 0x03);
	/* DLAB clear: THR and IER again, and the latch keeps its value. */
	sent();
	before = sent_len;
	wr(UART_THR, 'A');
	sent();
	check(sent_len == before + 1 && sent_buf[before] == 'A',
	      "with DLAB clear a write of 'A' to offset 0 must go out on the "
	      "line (THR); %zu bytes went out",
	      sent_len - before);
	wr(UART_IER, UART_IER_THRI);
	check(rd(UART_IER) == UART_IER_THRI,
	      "with DLAB clear offset 1 is IER again");
	check(u.dll == 0x01 && u.dlm == 0x00,
	      "THR and IER writes changed the latch: dll 0x%02x dlm 0x%02x",
	      u.dll, u.dlm);
	wr(UART_LCR, UART_LCR_DLAB | 0x03);
	check(rd(UART_DLL) == 0x01 && rd(UART_DLM) == 0x00,
	      "DLAB set again: the latch reads what was written before");
}

static void want_baud(uint8_t dlm, uint8_t dll, unsigned want)
{
	unsigned got;

	u.dlm = dlm;
	u.dll = dll;
	got = serial8250_baud(&u);
	check(got == want, "divisor 0x%02x%02x gives %u baud, expected %u", dlm,
	      dll, got, want);
}

static void latch_baud(void **state)
{
	(void)state;
	uart_reset();
	check(serial8250_baud(&u) == 9600,
	      "after reset the divisor is 12: 9600 baud, not %u",
	      serial8250_baud(&u));
	want_baud(0, 1, 115200);
	want_baud(0, 12, 9600);
	want_baud(0x01, 0x80, 300); /* 384: both bytes count */
	want_baud(0x01, 0x01, 448); /* 1843200 / 16 / 257 */
	want_baud(0xff, 0xff, 1);   /* 65535: 1.76 baud, rounded down */
	want_baud(0, 0, 0);	    /* no rate at all */
}

/* A PC driver may write both latch bytes with one 16-bit OUT. */
static void latch_bus_16bit(void **state)
{
	struct bus pio;
	struct board board = {.pio = &pio};
	uint64_t v;

	(void)state;
	uart_reset();
	bus_init(&pio, "pio");
	check(serial8250_register(&u, &board, 0x3f8) == 0,
	      "the test could not register the UART");
	v = UART_LCR_DLAB | 0x03;
	bus_dispatch(&pio, 0x3fb, 1, true, &v);
	v = 0x0c01;
	bus_dispatch(&pio, 0x3f8, 2, true, &v);
	check(u.dll == 0x01 && u.dlm == 0x0c,
	      "a 16-bit OUT of 0x0c01 to 0x3f8 left dll 0x%02x dlm 0x%02x, "
	      "expected 0x01 and 0x0c",
	      u.dll, u.dlm);
	v = 0;
	bus_dispatch(&pio, 0x3f8, 2, false, &v);
	check(v == 0x0c01,
	      "a 16-bit IN from 0x3f8 read 0x%04llx, expected "
	      "0x0c01",
	      (unsigned long long)v);
}

/* ---- ch04-port-dispatch ---------------------------------------------- */

#define PROBE_PORT 0x71
#define DATA	   4096 /* where the fake KVM puts the data: io.data_offset */

static struct grade_fake_vcpu fv;
static struct bus io_bus;
static struct grade_probe probe;

/* A vCPU with the probe on ports 0x71-0x74 and an IO exit of `count`
 * elements of `size` bytes, its data page filled with 0x5a. */
static uint8_t *io_exit(bool out, unsigned size, unsigned count)
{
	struct kvm_run *run;

	log_level = LOG_QUIET;
	memset(&probe, 0, sizeof(probe));
	probe.answer = 0xa1b2c3d4;
	bus_init(&io_bus, "pio");
	check(bus_register(&io_bus, "probe", PROBE_PORT, 4, grade_probe_access,
			   &probe) == 0,
	      "the test could not register its device");
	grade_fake_vcpu(&fv, &io_bus, NULL);
	probe.stop_cpu = &fv.cpu;
	run = fv.cpu.run;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = size;
	run->io.port = PROBE_PORT;
	run->io.count = count;
	run->io.data_offset = DATA;
	memset((uint8_t *)run + DATA, 0x5a, 64);
	return (uint8_t *)run + DATA;
}

static int io_done(void **state)
{
	(void)state;
	grade_fake_vcpu_free(&fv);
	return 0;
}

static int handle(void)
{
	struct exit_info e;

	return vcpu_handle_exit(&fv.cpu, &e);
}

/* The bytes of `v`, little-endian, as the page must hold them. */
static void want_bytes(const uint8_t *p, uint64_t v, unsigned size,
		       const char *what)
{
	for (unsigned i = 0; i < size; i++)
		check(p[i] == (uint8_t)(v >> (8 * i)),
		      "%s: byte %u of the data page is 0x%02x, expected 0x%02x "
		      "(the device's answer, little-endian)",
		      what, i, p[i], (uint8_t)(v >> (8 * i)));
}

static void io_in_answer(void **state)
{
	static const unsigned sizes[] = {1, 2, 4};

	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		unsigned size = sizes[k];
		uint8_t *p = io_exit(false, size, 1);
		struct exit_info e;
		char what[64];

		check(vcpu_handle_exit(&fv.cpu, &e) == VCPU_CONTINUE,
		      "an IN of %u bytes did not let the guest run on", size);
		check(probe.n == 1 && !probe.log[0].write &&
			  probe.log[0].size == size,
		      "an IN of %u bytes from port 0x71 made %u accesses to "
		      "the device (first: %s of %u bytes); expected one read "
		      "of %u bytes",
		      size, probe.n, probe.log[0].write ? "write" : "read",
		      probe.log[0].size, size);
		snprintf(what, sizeof(what), "an IN of %u bytes", size);
		want_bytes(p, probe.answer, size, what);
		check(p[size] == 0x5a,
		      "%s wrote past its %u bytes in the data page", what,
		      size);
		check(e.answered &&
			  e.data == (probe.answer & ((1ull << (8 * size)) - 1)),
		      "%s: the exit log does not show the answer (set "
		      "e->data and e->answered for the first element)",
		      what);
		grade_fake_vcpu_free(&fv);
	}
}

static void io_rep_out(void **state)
{
	uint8_t *p = io_exit(true, 1, 5);

	(void)state;
	memcpy(p, "hello", 5);
	check(handle() == VCPU_CONTINUE, "REP OUTSB did not let the guest "
					 "run on");
	check(probe.n == 5, "REP OUTSB of count 5 made %u accesses, not 5",
	      probe.n);
	for (unsigned i = 0; i < 5; i++)
		check(probe.log[i].write && probe.log[i].size == 1 &&
			  probe.log[i].value == (uint8_t) "hello"[i],
		      "element %u of REP OUTSB reached the device as a %u-byte "
		      "%s of 0x%llx, expected a 1-byte write of '%c'",
		      i, probe.log[i].size,
		      probe.log[i].write ? "write" : "read",
		      (unsigned long long)probe.log[i].value, "hello"[i]);
	grade_fake_vcpu_free(&fv);
	p = io_exit(true, 2, 3);
	memcpy(p, "\x01\x02\x03\x04\x05\x06", 6);
	check(handle() == VCPU_CONTINUE && probe.n == 3 &&
		  probe.log[0].value == 0x0201 &&
		  probe.log[1].value == 0x0403 &&
		  probe.log[2].value == 0x0605 && probe.log[2].size == 2,
	      "REP OUTSW of 01 02 03 04 05 06: expected three 2-byte writes "
	      "0x0201 0x0403 0x0605; got %u accesses",
	      probe.n);
}

static void io_rep_in(void **state)
{
	uint8_t *p = io_exit(false, 1, 4);

	(void)state;
	check(handle() == VCPU_CONTINUE, "REP INSB did not let the guest run "
					 "on");
	check(probe.n == 4, "REP INSB of count 4 made %u reads, not 4",
	      probe.n);
	for (unsigned i = 0; i < 4; i++)
		want_bytes(p + i, probe.answer + 0x11 * i, 1,
			   "REP INSB, element by element");
	check(p[4] == 0x5a, "REP INSB of count 4 wrote a fifth byte");
	grade_fake_vcpu_free(&fv);
	p = io_exit(false, 2, 3);
	check(handle() == VCPU_CONTINUE && probe.n == 3,
	      "REP INSW of count 3 made %u reads, not 3", probe.n);
	for (unsigned i = 0; i < 3; i++)
		want_bytes(p + 2 * i, probe.answer + 0x11 * i, 2,
			   "REP INSW, element by element");
}

static void io_rep_stop(void **state)
{
	uint8_t *p = io_exit(true, 1, 6);
	int status;

	(void)state;
	memcpy(p, "abcdef", 6);
	probe.stop_after = 2; /* as the debug-exit port ends the run */
	status = handle();
	check(probe.n == 2,
	      "a device stopped the vCPU at element 2 of 6, yet %u elements "
	      "reached it: stop when vcpu_stop() was called",
	      probe.n);
	check(status == 5,
	      "the run ended with %d, not the status the device gave (5)",
	      status);
}

#define T(test) cmocka_unit_test_teardown(test, uart_done)
#define P(test) cmocka_unit_test_teardown(test, io_done)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(lsr_reset),	T(lsr_data_ready), T(lsr_overrun),
	    T(lsr_fifo_order),	T(lsr_thre),	   T(latch_dll_dlm),
	    T(latch_no_rx),	T(latch_dlab_off), T(latch_baud),
	    T(latch_bus_16bit), P(io_in_answer),   P(io_rep_out),
	    P(io_rep_in),	P(io_rep_stop),
	};

	return GRADE_MAIN("chapter 4", tests);
}
