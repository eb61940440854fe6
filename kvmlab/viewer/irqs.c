/* SPDX-License-Identifier: MIT */
/*
 * irqs: the PICs and the vCPU's interrupt state, read for the viewer, and
 * an interrupt taken during a step found in them (see irqs.h).
 *
 * The 8259A's registers (Intel 8259A data sheet): IRR holds the lines
 * requesting, IMR the lines masked, ISR the interrupts the CPU has
 * acknowledged and whose handler has not yet sent the EOI.  At the
 * acknowledge the PIC moves the request from IRR to ISR (an
 * edge-triggered request leaves IRR; a level-triggered one stays while
 * its line is high) and hands the CPU the vector.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/viewer/breaks.h"
#include "kvmlab/viewer/irqs.h"

/* IRQs from the highest priority down: 8-15 come in on the master's 2. */
static const uint8_t by_priority[] = {0,  1,  8, 9, 10, 11, 12, 13,
				      14, 15, 3, 4, 5,	6,  7};

int irq_state_read(struct vcpu *v, struct irq_state *s)
{
	struct kvm_mp_state mp;
	int r;

	memset(s, 0, sizeof(*s));
	r = irqchip_get_pic(v->vm, 0, &s->pic[0]);
	if (!r)
		r = irqchip_get_pic(v->vm, 1, &s->pic[1]);
	if (r)
		return r;
	s->ev_ok = vcpu_get_events(v, &s->ev) == 0;
	s->halted = vcpu_get_mp_state(v, &mp) == 0 &&
		    mp.mp_state == KVM_MP_STATE_HALTED;
	return 0;
}

/* The highest-priority (lowest) bit set, or -1. */
static int lowest(unsigned bits)
{
	return bits ? __builtin_ctz(bits) : -1;
}

/* What one PIC would raise to its output: see irq_next(). */
static int chip_next(const struct irqchip_pic *p)
{
	int req = lowest(p->irr & ~p->imr & 0xffu), serving = lowest(p->isr);

	if (req < 0 || (serving >= 0 && serving <= req))
		return -1;
	return req;
}

int irq_next(const struct irq_state *s)
{
	int master = chip_next(&s->pic[0]), slave;

	if (master != 2)
		return master;
	slave = chip_next(&s->pic[1]);
	return slave < 0 ? -1 : 8 + slave;
}

unsigned irq_vector(const struct irq_state *s, unsigned irq)
{
	return irq < 8 ? s->pic[0].vector_base + irq
		       : s->pic[1].vector_base + (irq - 8);
}

/* The IRQ whose vector the PICs give as `vector`, or -1. */
static int irq_of_vector(const struct irq_state *s, unsigned vector)
{
	for (unsigned irq = 0; irq < IRQ_LINES; irq++)
		if (irq != 2 && irq_vector(s, irq) == vector)
			return (int)irq;
	return -1;
}

uint16_t irq_taken_during(const struct irq_state *before,
			  const struct irq_state *after, bool if_on)
{
	/* The master's bit 2 is the cascade: the slave's own bit says
	 * which of IRQ 8-15 it was. */
	uint16_t taken =
	    IRQ_BITS(after, isr) & ~IRQ_BITS(before, isr) & ~(1u << 2);
	int irq;

	if (before->ev_ok && after->ev_ok && before->ev.interrupt.injected &&
	    !before->ev.interrupt.soft && !after->ev.interrupt.injected &&
	    (irq = irq_of_vector(before, before->ev.interrupt.nr)) >= 0)
		taken |= 1u << irq;
	/* The CPU takes a request at the first instruction boundary where
	 * IF is set and no STI or MOV SS holds it back (SDM Vol. 3A, 6.8.3). */
	if (!if_on || (before->ev_ok && before->ev.interrupt.shadow))
		return taken;
	irq = irq_next(before);
	if (irq >= 0 && !(IRQ_BITS(after, irr) & 1u << irq))
		taken |= 1u << irq;
	return taken;
}

unsigned irq_order(uint16_t bits, const struct irq_state *after,
		   uint8_t out[IRQ_LINES])
{
	uint16_t serving = IRQ_BITS(after, isr);
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < sizeof(by_priority); i++) {
			unsigned irq = by_priority[i];

			if (bits & 1u << irq && !(serving & 1u << irq) == !pass)
				out[n++] = (uint8_t)irq;
		}
	return n;
}

const char *irq_line_name(unsigned irq)
{
	switch (irq) {
	case 0:
		return "timer";
	case 2:
		return "cascade";
	case IRQ_COM1:
		return "COM1";
	default:
		return NULL;
	}
}

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < len - *used ? (size_t)n : len - *used;
}

const char *irq_list(uint16_t bits, bool names, char *buf, size_t len)
{
	const char *sep = names ? ", " : " ";
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (unsigned i = 0; i < IRQ_LINES; i++) {
		const char *name = names ? irq_line_name(i) : NULL;
		unsigned end = i;

		if (!(bits & 1u << i))
			continue;
		/* Three or more lines in a row without a name: "5-7". */
		while (!name && end + 1 < IRQ_LINES && bits & 1u << (end + 1) &&
		       !(names && irq_line_name(end + 1)))
			end++;
		if (end < i + 2)
			end = i;
		append(buf, len, &used, "%s%u", used ? sep : "", i);
		if (name)
			append(buf, len, &used, " %s", name);
		else if (end > i)
			append(buf, len, &used, "-%u", end);
		i = end;
	}
	if (!used)
		snprintf(buf, len, "-");
	return buf;
}

const char *irq_shadow_name(uint8_t shadow)
{
	bool sti = shadow & KVM_X86_SHADOW_INT_STI;
	bool movss = shadow & KVM_X86_SHADOW_INT_MOV_SS;

	return sti && movss ? "sti+mov ss"
	       : sti	    ? "sti"
	       : movss	    ? "mov ss"
			    : "-";
}

bool irq_gate_decode(const uint8_t *gate, unsigned size, uint64_t *target)
{
	uint64_t off = (uint64_t)gate[0] | (uint64_t)gate[1] << 8;

	if (size == 4) { /* the real-mode IVT: offset, then segment */
		*target =
		    ((uint64_t)gate[2] | (uint64_t)gate[3] << 8) * 16 + off;
		return true;
	}
	/* Gate descriptors: SDM Vol. 3A, 6.11 and 6.14.1. */
	if ((size != 8 && size != 16) || !(gate[5] & 0x80))
		return false;
	off |= (uint64_t)gate[6] << 16 | (uint64_t)gate[7] << 24;
	if (size == 16)
		off |= (uint64_t)gate[8] << 32 | (uint64_t)gate[9] << 40 |
		       (uint64_t)gate[10] << 48 | (uint64_t)gate[11] << 56;
	*target = off;
	return true;
}

bool irq_handler(struct vcpu *v, const struct kvm_sregs *sr, unsigned vector,
		 uint64_t *target)
{
	enum cpu_class c = cpu_class_of(sr);
	unsigned size = c == CPU_LONG ? 16 : c == CPU_PROTECTED ? 8 : 4;
	uint8_t gate[16];

	if ((uint64_t)vector * size + size - 1 > sr->idt.limit)
		return false;
	if (guest_read_linear(v, sr->idt.base + (uint64_t)vector * size, gate,
			      size) != size)
		return false;
	return irq_gate_decode(gate, size, target);
}
