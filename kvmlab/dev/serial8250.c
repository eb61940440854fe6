/* SPDX-License-Identifier: MIT */
/*
 * serial8250: the 16550A UART model of chapter 4 (see serial8250.h).
 *
 * Trap and emulate in its plainest form: each IN or OUT the guest's
 * driver executes ends up in serial8250_read() or serial8250_write(),
 * which do what the chip would do to its registers.  Nothing here knows
 * about KVM; the unit tests drive the same functions with no VM at all.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/serial8250.h"
#include "labs/exercise.h"

static void update_line(struct serial8250 *u);

/* With FIFOs off the chip is a 16450: a one-byte receive buffer. */
static unsigned rx_capacity(const struct serial8250 *u)
{
	return (u->fcr & UART_FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct serial8250 *u)
{
	static const unsigned level[4] = {1, 4, 8, 14};

	return (u->fcr & UART_FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static void rx_clear(struct serial8250 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A read of RBR: the oldest received byte leaves the FIFO. */
static uint8_t rx_pop(struct serial8250 *u)
{
	/* EXERCISE ch04-uart-lsr: RBR, the receive FIFO's oldest byte */
#ifndef KVMLAB_STUBS
	/* An empty receiver still answers: with the last byte, as chips do. */
	if (!u->rx_count)
		return u->rbr_last;
	u->rbr_last = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return u->rbr_last;
#else
	(void)u;
	exercise_todo("ch04-uart-lsr", "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-lsr */
}

/*
 * A read of LSR: what a polling driver asks before every byte it sends
 * and for every byte it waits for.
 */
static uint8_t lsr_read(struct serial8250 *u)
{
	/* EXERCISE ch04-uart-lsr: LSR, and what reading it clears */
#ifndef KVMLAB_STUBS
	/* Transmission is instant: THRE and TEMT are always set. */
	uint8_t v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;

	if (u->rx_count)
		v |= UART_LSR_DR;
	u->lsr_errors = 0; /* reading LSR clears the error bits */
	return v;
#else
	(void)u;
	exercise_todo("ch04-uart-lsr", "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-lsr */
}

/* A byte reaches the receiver, from the line or from loopback. */
static bool rx_push(struct serial8250 *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE;
		u->overruns++;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	return true;
}

bool serial8250_receive(struct serial8250 *u, uint8_t byte)
{
	bool ok = rx_push(u, byte);

	if (ok)
		u->rx_bytes++;
	update_line(u);
	return ok;
}

/*
 * The modem inputs (MSR bits 7-4).  In loopback the outputs in MCR are
 * wired to them inside the chip (RTS->CTS, DTR->DSR, OUT1->RI,
 * OUT2->DCD).  Otherwise the host is a terminal that is always clear to
 * send and holds DSR and DCD until its input ends.
 */
static uint8_t modem_inputs(const struct serial8250 *u)
{
	uint8_t v = 0;

	if (u->mcr & UART_MCR_LOOP) {
		if (u->mcr & UART_MCR_RTS)
			v |= UART_MSR_CTS;
		if (u->mcr & UART_MCR_DTR)
			v |= UART_MSR_DSR;
		if (u->mcr & UART_MCR_OUT1)
			v |= UART_MSR_RI;
		if (u->mcr & UART_MCR_OUT2)
			v |= UART_MSR_DCD;
		return v;
	}
	v = UART_MSR_CTS;
	if (u->carrier)
		v |= UART_MSR_DSR | UART_MSR_DCD;
	return v;
}

/* Recompute the inputs and latch a delta bit for each that changed. */
static void msr_update(struct serial8250 *u)
{
	uint8_t now = modem_inputs(u), old = u->msr & 0xf0;
	uint8_t changed = now ^ old, delta = 0;

	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	/* RI reports only its trailing edge, on to off. */
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	u->msr = now | (u->msr & 0x0f) | delta;
}

void serial8250_init(struct serial8250 *u, FILE *out, int in_fd)
{
	memset(u, 0, sizeof(*u));
	u->out = out;
	u->out_flush = out && isatty(fileno(out));
	u->in_fd = in_fd;
	u->carrier = true;
	u->dll = 12; /* 9600 baud */
	u->msr = modem_inputs(u);
	pthread_mutex_init(&u->lock, NULL);
}

void serial8250_hang_up(struct serial8250 *u)
{
	if (!u->carrier)
		return;
	u->carrier = false;
	msr_update(u);
	update_line(u);
	debug("serial 0x%x: input ended: carrier lost", u->port);
}

void serial8250_poll_input(struct serial8250 *u)
{
	uint8_t buf[UART_FIFO_SIZE];
	unsigned room = rx_capacity(u) - u->rx_count;
	struct pollfd p = {.fd = u->in_fd, .events = POLLIN};
	ssize_t n;

	if (!serial8250_wants_input(u) || !room)
		return;
	if (poll(&p, 1, 0) <= 0) {
		/* The guest waits for input: let it see everything so far. */
		if (!u->rx_count && u->out)
			fflush(u->out);
		return;
	}
	n = read(u->in_fd, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		serial8250_hang_up(u);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		serial8250_receive(u, buf[i]);
}

uint8_t serial8250_iir(const struct serial8250 *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	/* The data sheet's priorities, highest first. */
	if ((u->ier & UART_IER_RLSI) && u->lsr_errors)
		return fifo | UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count >= rx_trigger(u))
		return fifo | UART_IIR_RDI;
	/* Below the trigger level the timeout is taken to have expired. */
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return fifo | UART_IIR_CTI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return fifo | UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & 0x0f))
		return fifo | UART_IIR_MSI;
	return fifo | UART_IIR_NO_INT;
}

bool serial8250_irq_line(const struct serial8250 *u)
{
	/* EXERCISE ch06-uart-line: is the output asserted? */
#ifndef KVMLAB_STUBS
	return !(serial8250_iir(u) & UART_IIR_NO_INT) &&
	       (u->mcr & UART_MCR_OUT2);
#else
	(void)u;
	exercise_todo("ch06-uart-line", "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-uart-line */
}

unsigned serial8250_baud(const struct serial8250 *u)
{
	/* EXERCISE ch04-divisor-latch: the baud rate the divisor selects */
#ifndef KVMLAB_STUBS
	unsigned divisor = (unsigned)u->dlm << 8 | u->dll;

	return divisor ? ABI_UART_CLOCK_HZ / (16 * divisor) : 0;
#else
	(void)u;
	exercise_todo("ch04-divisor-latch", "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-divisor-latch */
}

static void transmit(struct serial8250 *u, uint8_t byte)
{
	u->thri_pending = false;
	if (u->mcr & UART_MCR_LOOP) {
		rx_push(u, byte);
	} else {
		if (u->out) {
			fputc(byte, u->out);
			if (u->out_flush)
				fflush(u->out);
		}
		u->tx_bytes++;
	}
	/* Sent at once: the holding register is empty again. */
	u->thri_pending = true;
}

static void write_fcr(struct serial8250 *u, uint8_t value)
{
	/* Turning the FIFOs on or off empties them. */
	if ((value ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (value & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* The other bits are only taken while bit 0 is set. */
	u->fcr = (value & UART_FCR_ENABLE)
		     ? value & ~(UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX)
		     : 0;
}

static void divisor_changed(struct serial8250 *u)
{
	debug("serial 0x%x: divisor %u: %u baud", u->port,
	      (unsigned)u->dlm << 8 | u->dll, serial8250_baud(u));
}

static void write_reg(struct serial8250 *u, unsigned offset, uint8_t value)
{
	u->accesses++;
	offset &= 7;
	/* EXERCISE ch04-divisor-latch: with DLAB set, writes to DLL and DLM */
#ifndef KVMLAB_STUBS
	if ((u->lcr & UART_LCR_DLAB) && offset <= UART_DLM) {
		if (offset == UART_DLL)
			u->dll = value;
		else
			u->dlm = value;
		divisor_changed(u);
		return;
	}
#else
	/* Only a driver that sets DLAB can reach the missing code. */
	(void)divisor_changed;
	if (u->lcr & UART_LCR_DLAB)
		exercise_todo("ch04-divisor-latch",
			      "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-divisor-latch */
	switch (offset) {
	case UART_THR:
		transmit(u, value);
		break;
	case UART_IER:
		/* Enabling the THR interrupt with THR empty raises it. */
		if ((value & ~u->ier) & UART_IER_THRI)
			u->thri_pending = true;
		u->ier = value & 0x0f;
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		u->mcr = value & 0x1f;
		msr_update(u);
		break;
	case UART_SCR:
		u->scr = value;
		break;
	default:
		/* LSR and MSR: writable only in the factory's test mode. */
		debug("serial 0x%x: write 0x%02x to read-only register %u "
		      "ignored",
		      u->port, value, offset);
		break;
	}
}

static uint8_t read_reg(struct serial8250 *u, unsigned offset)
{
	uint8_t v;

	u->accesses++;
	offset &= 7;
	/* EXERCISE ch04-divisor-latch: with DLAB set, reads of DLL and DLM */
#ifndef KVMLAB_STUBS
	if ((u->lcr & UART_LCR_DLAB) && offset <= UART_DLM)
		return offset == UART_DLL ? u->dll : u->dlm;
#else
	if (u->lcr & UART_LCR_DLAB)
		exercise_todo("ch04-divisor-latch",
			      "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-divisor-latch */
	/*
	 * Fetch input only when the guest looks at the receiver (RBR, IIR,
	 * LSR): bytes that arrived while a driver was still setting up the
	 * chip (its FCR write clears the FIFO) would be lost otherwise.
	 */
	if (offset == UART_RBR || offset == UART_IIR || offset == UART_LSR)
		serial8250_poll_input(u);
	switch (offset) {
	case UART_RBR:
		return rx_pop(u);
	case UART_IER:
		return u->ier;
	case UART_IIR:
		v = serial8250_iir(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thri_pending = false;
		return v;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return lsr_read(u);
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0; /* reading MSR clears the deltas */
		return v;
	default:
		return u->scr;
	}
}

/*
 * The interrupt output follows the chip's state: asserted while a cause
 * is pending and OUT2 gates it through, deasserted when the cause clears
 * (a level, as on the chip).  Every entry point that can change that
 * state ends here, so the line is never stale.
 */
static void update_line(struct serial8250 *u)
{
	/* EXERCISE ch06-uart-line: the interrupt output, driven as a level */
#ifndef KVMLAB_STUBS
	bool level = serial8250_irq_line(u);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (level)
		u->irq_raised++;
	irq_line_set(&u->irq, level);
#else
	/* Only a UART wired to an interrupt line (chapter 6) needs it. */
	if (u->irq.set)
		exercise_todo("ch06-uart-line",
			      "exercises/06-interrupts/README.md");
#endif /* END EXERCISE ch06-uart-line */
}

void serial8250_write(struct serial8250 *u, unsigned offset, uint8_t value)
{
	write_reg(u, offset, value);
	update_line(u);
}

uint8_t serial8250_read(struct serial8250 *u, unsigned offset)
{
	uint8_t v = read_reg(u, offset);

	update_line(u);
	return v;
}

/*
 * The host sends only while the guest holds RTS up, as a terminal set to
 * RTS/CTS flow control does: a driver raises RTS once the chip is set up,
 * so input never lands in a FIFO that its set-up (FCR) or its loopback
 * probe would clear or confuse.  In loopback the chip's serial input is
 * disconnected.
 */
bool serial8250_wants_input(struct serial8250 *u)
{
	return u->in_fd >= 0 && u->carrier && (u->mcr & UART_MCR_RTS) &&
	       !(u->mcr & UART_MCR_LOOP) && u->rx_count < rx_capacity(u);
}

/* Tell whoever waits on the input (the I/O thread) that it may read. */
static void input_changed(struct serial8250 *u, bool wanted)
{
	if (!wanted && serial8250_wants_input(u) && u->input_room)
		u->input_room(u->input_room_opaque);
}

void serial8250_input(void *opaque)
{
	struct serial8250 *u = opaque;

	pthread_mutex_lock(&u->lock);
	serial8250_poll_input(u);
	pthread_mutex_unlock(&u->lock);
}

bool serial8250_input_wanted(void *opaque)
{
	struct serial8250 *u = opaque;
	bool wanted;

	pthread_mutex_lock(&u->lock);
	wanted = serial8250_wants_input(u);
	pthread_mutex_unlock(&u->lock);
	return wanted;
}

/*
 * The bus handler.  The UART sits on an 8-bit bus: a wider IN or OUT is
 * split into byte accesses, lowest port first, as a PC's bus does.
 */
static void serial8250_io(void *opaque, struct bus_access *a)
{
	struct serial8250 *u = opaque;
	uint64_t value = 0;
	bool wanted;

	pthread_mutex_lock(&u->lock);
	wanted = serial8250_wants_input(u);
	for (uint32_t i = 0; i < a->size; i++) {
		unsigned off = (unsigned)a->offset + i;

		if (a->write)
			serial8250_write(u, off,
					 (uint8_t)(a->value >> (8 * i)));
		else
			value |= (uint64_t)serial8250_read(u, off) << (8 * i);
	}
	input_changed(u, wanted);
	pthread_mutex_unlock(&u->lock);
	if (!a->write)
		a->value = value;
}

/*
 * The Nth UART in the tree is aliased serialN, so /chosen/stdout-path can
 * name one ("serial0:115200n8") without knowing where it sits.  A PC has
 * four COM ports; a UART past those gets no alias.
 */
static const char *serial_alias(const struct dt_machine *dt)
{
	static const char *const alias[] = {"serial0", "serial1", "serial2",
					    "serial3"};
	unsigned n = 0;

	/* The new node is already in: count the UARTs before it. */
	for (unsigned i = 0; i + 1 < dt->ndev; i++)
		n += !strcmp(dt->dev[i].compatible, SERIAL8250_COMPATIBLE);
	return n < sizeof(alias) / sizeof(alias[0]) ? alias[n] : NULL;
}

int serial8250_register(struct serial8250 *u, const struct board *b,
			uint16_t port)
{
	const struct board_device dev = {.space = DT_IOPORT,
					 .name = "serial8250",
					 .base = port,
					 .len = ABI_PORT_COM1_LEN,
					 .handler = serial8250_io,
					 .opaque = u,
					 .node = "serial",
					 .compatible = SERIAL8250_COMPATIBLE};
	struct dt_device *node;
	int r;

	u->port = port;
	r = board_register(b, &dev, &node);
	if (r || !node)
		return r;
	dt_prop_u32(node, "clock-frequency", ABI_UART_CLOCK_HZ);
	dt_prop_u32(node, "current-speed", SERIAL8250_CONSOLE_BAUD);
	node->alias = serial_alias(b->dt);
	return 0;
}

void serial8250_flush(struct serial8250 *u)
{
	if (u->out)
		fflush(u->out);
}

void serial8250_print_stats(const struct serial8250 *u, FILE *out)
{
	fprintf(out,
		"serial 0x%x: %" PRIu64 " bytes out, %" PRIu64
		" bytes in, %" PRIu64 " register accesses",
		u->port, u->tx_bytes, u->rx_bytes, u->accesses);
	if (u->tx_bytes)
		fprintf(out, " (%.2f per byte out)",
			(double)u->accesses / (double)u->tx_bytes);
	if (u->overruns)
		fprintf(out, ", %" PRIu64 " overruns", u->overruns);
	if (u->irq.set)
		fprintf(out, ", interrupt raised %" PRIu64 " times",
			u->irq_raised);
	fputc('\n', out);
}
