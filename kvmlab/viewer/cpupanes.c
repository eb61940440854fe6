/* SPDX-License-Identifier: MIT */
/*
 * cpupanes: registers, control registers, segments and breaks, drawn from
 * snapshots (see cpupanes.h).
 *
 * Every value sits in a fixed column, with a one-character marker column
 * before it: ' ' when the value is what it was at the last stop, '*' when
 * it changed.  Decoded bits are words whose case says set or clear.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "kvmlab/viewer/cpupanes.h"
#include "kvmlab/viewer/irqs.h"
#include "kvmlab/x86/decode.h"

#define COL_W 22 /* one register column: "rax*0000000000000000" + gap */

static bool changed(const struct view *v, uint64_t now, uint64_t before)
{
	return v->have_prev && now != before;
}

/* "name*value": the name, the marker column, the value. */
static int field(struct grid *g, int x, int y, int maxw, const char *name,
		 int namew, const char *value, bool mark)
{
	uint8_t a = mark ? GA_CHANGED : GA_NORMAL;
	int n = grid_printf(g, x, y, maxw, GA_DIM, "%-*s", namew, name);

	n += grid_text(g, x + n, y, maxw - n, a, mark ? "*" : " ");
	return n + grid_text(g, x + n, y, maxw - n, a, value);
}

static bool has_upper(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (isupper((unsigned char)w[i]))
			return true;
	return false;
}

/*
 * Write decoded words from (x, y), wrapping to column `indent` before
 * `xmax`: upper-case words (bits set) as GA_SET, others GA_DIM.  At most
 * `maxrows` rows; returns the rows used.
 */
static int words(struct grid *g, int x, int y, int indent, int xmax,
		 int maxrows, const char *text)
{
	int rows = 1, start = x;

	for (const char *p = text; *p && rows <= maxrows;) {
		size_t len = strcspn(p, " ");
		char word[64];

		if (x > start && x + (int)len > xmax) {
			if (++rows > maxrows)
				break;
			y++;
			x = start = indent;
		}
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		x += grid_text(g, x, y, xmax - x,
			       has_upper(p, len) ? GA_SET : GA_DIM, word);
		x++;
		p += len;
		while (*p == ' ')
			p++;
	}
	return rows > maxrows ? maxrows : rows;
}

/* Rows `text` takes from column `x` wrapping at `indent` before `xmax`. */
static int words_rows(int x, int indent, int xmax, const char *text)
{
	int rows = 1, start = x;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, " ");

		if (x > start && x + (int)len > xmax) {
			rows++;
			x = start = indent;
		}
		x += (int)len + 1;
		p += len;
		while (*p == ' ')
			p++;
	}
	return rows;
}

/* ---- general registers ------------------------------------------------ */

static const struct {
	const char *name;
	size_t off;
} gprs[] = {
#define R(n)                                                                   \
	{                                                                      \
#n, offsetof(struct kvm_regs, n)                               \
	}
    R(rax), R(rbx), R(rcx),
    R(rdx), R(rsi), R(rdi),
    R(rsp), R(rbp), R(r8),
    R(r9),  R(r10), R(r11),
    R(r12), R(r13), R(r14),
    R(r15), R(rip), {"rfl", offsetof(struct kvm_regs, rflags)},
#undef R
};

static uint64_t reg_at(const struct kvm_regs *r, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)r + off, sizeof(v));
	return v;
}

void pane_regs(struct grid *g, struct rect r, const struct view *v)
{
	const struct snapshot *s = &v->cur, *p = &v->prev;
	char buf[256];
	int x, n;

	if (!s->regs_ok) {
		grid_text(g, r.x, r.y, r.w, GA_ALERT,
			  "the registers cannot be read (KVM_GET_REGS failed)");
		return;
	}
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++) {
		uint64_t now = reg_at(&s->regs, gprs[i].off);
		uint64_t was = reg_at(&p->regs, gprs[i].off);
		int row = (int)(i / 3), col = (int)(i % 3);

		if (row >= r.h)
			break;
		snprintf(buf, sizeof(buf), "%016" PRIx64, now);
		field(g, r.x + col * COL_W, r.y + row, r.w - col * COL_W,
		      gprs[i].name, 3, buf, changed(v, now, was));
	}
	if (r.h < 8)
		return;
	/* Where RIP points, by symbol, and the bytes the CPU will decode. */
	n = grid_printf(g, r.x, r.y + 6, r.w, GA_DIM, "at ");
	n += grid_text(g, r.x + n, r.y + 6, r.w - n, GA_NORMAL, s->rip_name);
	x = r.x + n + 2;
	n = grid_text(g, x, r.y + 6, r.x + r.w - x, GA_DIM, "bytes");
	if (!s->ncode)
		grid_text(g, x + n, r.y + 6, r.x + r.w - x - n, GA_DIM,
			  " (not mapped)");
	for (unsigned i = 0; i < s->ncode; i++)
		n += grid_printf(g, x + n, r.y + 6, r.x + r.w - x - n,
				 GA_NORMAL, " %02x", s->code[i]);
	n = grid_text(g, r.x, r.y + 7, r.w, GA_DIM, "rflags ");
	words(g, r.x + n, r.y + 7, r.x + n, r.x + r.w, 1,
	      decode_rflags(s->regs.rflags, buf, sizeof(buf)));
}

/* ---- control registers ------------------------------------------------ */

#define CTL_VALUE 14 /* decoded bits start here: "cr0  80010011 " */
#define CTL_RIGHT 30 /* "cr3 0000000000010000 pcd pwt" and a gap */

int pane_control_rows(int w)
{
	char buf[256];

	/* CR4 has the most names; its width does not depend on its value
	 * except for unnamed set bits, which add a word or two. */
	return 2 + words_rows(CTL_VALUE, CTL_VALUE, w,
			      decode_cr4(0, buf, sizeof(buf)));
}

static void control_line(struct grid *g, struct rect r, int y,
			 const struct view *v, const char *name, uint64_t now,
			 uint64_t was, const char *bits, int xmax, int maxrows)
{
	char val[24];

	snprintf(val, sizeof(val), now >> 32 ? "%016" PRIx64 : "%08" PRIx64,
		 now);
	field(g, r.x, y, r.w, name, 4, val, changed(v, now, was));
	words(g, r.x + CTL_VALUE, y, r.x + CTL_VALUE, xmax, maxrows, bits);
}

void pane_control(struct grid *g, struct rect r, const struct view *v)
{
	const struct kvm_sregs *s = &v->cur.sregs, *p = &v->prev.sregs;
	/* CR2 and CR3 go on the right; the viewer is never narrower. */
	bool right = r.w >= 80;
	int xmax = right ? r.x + r.w - CTL_RIGHT : r.x + r.w, n;
	int cr4rows, y = r.y;
	char buf[256], val[24];

	if (!v->cur.regs_ok)
		return;
	control_line(g, r, y, v, "cr0", s->cr0, p->cr0,
		     decode_cr0(s->cr0, buf, sizeof(buf)), xmax, 1);
	if (right) {
		snprintf(val, sizeof(val), "%016llx",
			 (unsigned long long)s->cr2);
		field(g, xmax + 1, y, CTL_RIGHT - 1, "cr2", 3, val,
		      changed(v, s->cr2, p->cr2));
	}
	decode_cr4(s->cr4, buf, sizeof(buf));
	cr4rows = words_rows(CTL_VALUE, CTL_VALUE, r.w, buf);
	if (cr4rows > r.h - 2)
		cr4rows = r.h - 2 > 0 ? r.h - 2 : 1;
	control_line(g, r, ++y, v, "cr4", s->cr4, p->cr4, buf, r.x + r.w,
		     cr4rows);
	y += cr4rows;
	if (y >= r.y + r.h)
		return;
	control_line(g, r, y, v, "efer", s->efer, p->efer,
		     decode_efer(s->efer, buf, sizeof(buf)), xmax, 1);
	if (right) {
		snprintf(val, sizeof(val), "%016llx",
			 (unsigned long long)s->cr3);
		n = field(g, xmax + 1, y, CTL_RIGHT - 1, "cr3", 3, val,
			  changed(v, s->cr3, p->cr3));
		words(g, xmax + 2 + n, y, xmax + 2 + n, r.x + r.w, 1,
		      decode_cr3(s->cr3, s->cr4, buf, sizeof(buf)));
	}
}

/* ---- segments ------------------------------------------------------ */

static void segment_line(struct grid *g, struct rect r, int y,
			 const struct view *v, const char *name,
			 const struct kvm_segment *now,
			 const struct kvm_segment *was)
{
	bool mark = v->have_prev && memcmp(now, was, sizeof(*now)) != 0;
	char buf[128];
	int n;

	snprintf(buf, sizeof(buf), "%04x %016llx %08x ", now->selector,
		 (unsigned long long)now->base, now->limit);
	n = field(g, r.x, y, r.w, name, 3, buf, mark);
	grid_text(g, r.x + n, y, r.w - n, GA_NORMAL,
		  decode_segment(now, buf, sizeof(buf)));
}

static void table_line(struct grid *g, struct rect r, int y,
		       const struct view *v, const char *name,
		       const struct kvm_dtable *now,
		       const struct kvm_dtable *was)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "     %016llx %08x",
		 (unsigned long long)now->base, now->limit);
	field(g, r.x, y, r.w, name, 3, buf,
	      v->have_prev &&
		  (now->base != was->base || now->limit != was->limit));
}

void pane_segments(struct grid *g, struct rect r, const struct view *v)
{
	const struct kvm_sregs *s = &v->cur.sregs, *p = &v->prev.sregs;
	const struct {
		const char *name;
		const struct kvm_segment *now, *was;
	} segs[] = {
	    {"cs", &s->cs, &p->cs}, {"ds", &s->ds, &p->ds},
	    {"es", &s->es, &p->es}, {"fs", &s->fs, &p->fs},
	    {"gs", &s->gs, &p->gs}, {"ss", &s->ss, &p->ss},
	    {"tr", &s->tr, &p->tr}, {"ldt", &s->ldt, &p->ldt},
	};
	int y = r.y;

	if (!v->cur.regs_ok || r.h < 1)
		return;
	grid_text(g, r.x, y, r.w, GA_DIM,
		  "seg sel  base             limit    attributes");
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		if (++y < r.y + r.h)
			segment_line(g, r, y, v, segs[i].name, segs[i].now,
				     segs[i].was);
	if (++y < r.y + r.h)
		table_line(g, r, y, v, "gdt", &s->gdt, &p->gdt);
	if (++y < r.y + r.h)
		table_line(g, r, y, v, "idt", &s->idt, &p->idt);
}

/* ---- interrupts (chapter 6 on) ---------------------------------------- */

/* "IRR*0011 0 timer, 4 COM1": a PIC register of both chips, decoded. */
static int pic_field(struct grid *g, int x, int y, int maxw,
		     const struct view *v, const char *name, uint16_t now,
		     uint16_t was, const char *label, uint16_t bits, bool names)
{
	char val[8], list[96];
	int n;

	snprintf(val, sizeof(val), "%04x", now);
	n = field(g, x, y, maxw, name, 3, val,
		  v->have_prev && v->prev.irq_on && now != was);
	n += grid_printf(g, x + n, y, maxw - n, GA_DIM, " %s", label);
	irq_list(bits, names, list, sizeof(list));
	return n + grid_text(g, x + n, y, maxw - n, bits ? GA_NORMAL : GA_DIM,
			     list);
}

void pane_irq(struct grid *g, struct rect r, const struct view *v)
{
	const struct irq_state *q = &v->cur.irq, *p = &v->prev.irq;
	const struct kvm_vcpu_events *ev = &q->ev;
	bool if_on = v->cur.regs.rflags & RFLAGS_IF;
	int x = r.x, end = r.x + r.w, y = r.y;
	char buf[64];

	if (!v->cur.irq_on || r.h < 1)
		return;
	/* The CPU's side: does it accept interrupts, and what holds one. */
	x += grid_text(g, x, y, end - x, GA_DIM, "irq  ");
	x += grid_text(g, x, y, end - x, if_on ? GA_SET : GA_DIM,
		       if_on ? "IF=1" : "IF=0");
	x += grid_printf(g, x, y, end - x, GA_DIM, "  vectors ");
	x += grid_printf(g, x, y, end - x, GA_NORMAL, "%u-%u %u-%u",
			 q->pic[0].vector_base, q->pic[0].vector_base + 7,
			 q->pic[1].vector_base, q->pic[1].vector_base + 7);
	x += grid_text(g, x, y, end - x, GA_DIM, "  shadow ");
	x += grid_text(g, x, y, end - x, GA_NORMAL,
		       irq_shadow_name(ev->interrupt.shadow));
	x += grid_text(g, x, y, end - x, GA_DIM, "  nmi ");
	x += grid_text(g, x, y, end - x, GA_NORMAL,
		       ev->nmi.pending || ev->nmi.injected ? "pending" : "-");
	x += grid_text(g, x, y, end - x, GA_DIM, "  injecting ");
	if (ev->interrupt.injected)
		snprintf(buf, sizeof(buf), "%u", ev->interrupt.nr);
	x += grid_text(g, x, y, end - x, GA_NORMAL,
		       ev->interrupt.injected ? buf : "-");
	if (q->halted)
		grid_text(g, x, y, end - x, GA_SET, "  asleep in HLT");
	if (r.h < 2)
		return;
	/* The PICs' side: requests, in service, and what gets through. */
	x = r.x + grid_text(g, r.x, ++y, r.w, GA_DIM, "pic  ");
	x += pic_field(g, x, y, end - x, v, "IRR", IRQ_BITS(q, irr),
		       IRQ_BITS(p, irr), "", IRQ_BITS(q, irr), true);
	x += 2;
	x += pic_field(g, x, y, end - x, v, "ISR", IRQ_BITS(q, isr),
		       IRQ_BITS(p, isr), "", IRQ_BITS(q, isr), true);
	x += 2;
	pic_field(g, x, y, end - x, v, "IMR", IRQ_BITS(q, imr),
		  IRQ_BITS(p, imr), "unmasked ", (uint16_t)~IRQ_BITS(q, imr),
		  false);
}

/* ---- breaks ---------------------------------------------------------- */

void pane_breaks(struct grid *g, struct rect r, const struct view *v)
{
	int n = grid_text(g, r.x, r.y, r.w, GA_DIM, "breaks ");

	grid_text(g, r.x + n, r.y, r.w - n,
		  strcmp(v->cur.breaks, "none") ? GA_NORMAL : GA_DIM,
		  v->cur.breaks);
}
