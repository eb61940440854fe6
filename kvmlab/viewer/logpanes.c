/* SPDX-License-Identifier: MIT */
/*
 * logpanes: the exit log, exit statistics, memory and console, drawn from
 * snapshots (see logpanes.h).  Guest bytes reach the grid only through
 * grid_text(), which shows anything unprintable as '.', so a guest cannot
 * send the student's terminal a control sequence.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/viewer/irqs.h"
#include "kvmlab/viewer/logpanes.h"
#include "kvmlab/x86/decode.h"

/* ---- the exit log ---------------------------------------------------- */

/*
 * An interrupt a step took (chapter 6 on), in the exit log's columns but
 * without an exit number: it is not an exit.  "IRQ 0", "timer, vector 32
 * -> 0x101b81 <isr32>", and where the CPU was when it came.
 */
static void irq_line(struct grid *g, struct rect r, int y, int dw,
		     const struct view *v, const struct snap_irq *x)
{
	const char *name = irq_line_name(x->t.irq);
	bool mark = v->have_prev && x->n > v->prev.nirqs;
	char reason[16], d[128];

	snprintf(reason, sizeof(reason), "IRQ %u", x->t.irq);
	snprintf(d, sizeof(d), "%s%svector %u%s%s", name ? name : "",
		 name ? ", " : "", x->t.vector, x->handler[0] ? " -> " : "",
		 x->handler);
	grid_printf(g, r.x, y, r.w, mark ? GA_CHANGED : GA_NORMAL,
		    "%c%6s %-8s %-*s %s", mark ? '*' : ' ', "-", reason, dw, d,
		    x->where);
}

static void exit_line(struct grid *g, struct rect r, int y, int dw, bool mark,
		      const struct snap_exit *x)
{
	char d[128];

	grid_printf(g, r.x, y, r.w, mark ? GA_CHANGED : GA_NORMAL,
		    "%c%6" PRIu64 " %-8s %-*s %s", mark ? '*' : ' ', x->e.seq,
		    exit_reason_name(x->e.reason), dw,
		    exit_details(&x->e, d, sizeof(d)), x->where);
}

void pane_exits(struct grid *g, struct rect r, const struct view *v)
{
	const struct snapshot *s = &v->cur;
	uint64_t seen =
	    v->prev.nexits ? v->prev.exit[v->prev.nexits - 1].e.seq : 0;
	bool header = r.h >= 8;
	/* The details column: 37 fits an IO exit with its character, and
	 * leaves "0x1002de <console_putc+8>" room at 80 columns.  Longer
	 * details push the address right rather than lose a digit. */
	int dw = r.w - 17 - 30 > 37 ? r.w - 17 - 30 : 37;
	int rows = r.h - header, y = r.y;
	unsigned total = s->nexits + s->nshown, skip, i = 0, j = 0;

	if (header)
		grid_printf(g, r.x, y++, r.w, GA_DIM, " %6s %-8s %-*s %s", "#",
			    "reason", dw, "details", "at");
	if (!total) {
		grid_text(g, r.x, y, r.w, GA_DIM,
			  " (no exits yet: n runs to the first one)");
		return;
	}
	/* Exits and interrupts in the order they came, the newest last: an
	 * interrupt goes after the exits made before it. */
	skip = total > (unsigned)rows ? total - (unsigned)rows : 0;
	for (unsigned k = 0; k < total; k++) {
		bool irq =
		    j < s->nshown &&
		    (i == s->nexits || s->irqs[j].t.after < s->exit[i].e.seq);

		if (irq && k >= skip)
			irq_line(g, r, y++, dw, v, &s->irqs[j]);
		else if (k >= skip)
			exit_line(g, r, y++, dw,
				  v->have_prev && s->exit[i].e.seq > seen,
				  &s->exit[i]);
		if (irq)
			j++;
		else
			i++;
	}
}

/* ---- statistics ------------------------------------------------------ */

static const char *rate(const struct view *v, uint64_t n, char *buf, size_t len)
{
	double r;

	/* The headless mode shows no wall-clock values: its frames must be
	 * the same on every run. */
	if (!v->clock || !v->cur.run_ns)
		return "-";
	r = (double)n * 1e9 / (double)v->cur.run_ns;
	if (r >= 1e6)
		snprintf(buf, len, "%.1fM/s", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.1fk/s", r / 1e3);
	else
		snprintf(buf, len, "%.0f/s", r);
	return buf;
}

static int by_count(const void *a, const void *b)
{
	const struct stats_place *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->where < y->where ? -1 : x->where > y->where;
}

static void stats_row(struct grid *g, struct rect r, int y,
		      const struct view *v, const char *label, uint64_t n)
{
	uint64_t total = v->cur.stats.total;
	char rb[32];

	grid_printf(g, r.x, y, r.w, GA_NORMAL,
		    "%-22s %10" PRIu64 " %6.1f%% %10s", label, n,
		    total ? 100.0 * (double)n / (double)total : 0.0,
		    rate(v, n, rb, sizeof(rb)));
}

void pane_stats(struct grid *g, struct rect r, const struct view *v)
{
	const struct stats *st = &v->cur.stats;
	struct stats_place sorted[STATS_PLACES];
	int y = r.y, end = r.y + r.h;
	char label[48];

	if (v->clock && v->cur.run_ns)
		grid_printf(g, r.x, y++, r.w, GA_NORMAL,
			    "%" PRIu64 " exits in %.3f s of running", st->total,
			    (double)v->cur.run_ns / 1e9);
	else
		grid_printf(g, r.x, y++, r.w, GA_NORMAL, "%" PRIu64 " exits",
			    st->total);
	if (y < end)
		grid_printf(g, r.x, y++, r.w, GA_DIM, "%-22s %10s %7s %10s",
			    "reason", "count", "share", "rate");
	for (unsigned i = 0; i < STATS_REASONS && y < end; i++)
		if (st->by_reason[i])
			stats_row(g, r, y++, v, exit_reason_name(i),
				  st->by_reason[i]);
	if (!st->nplaces || y >= end)
		return;
	grid_printf(g, r.x, y++, r.w, GA_DIM, "%-22s %10s %7s %10s",
		    "port / address", "count", "share", "rate");
	memcpy(sorted, st->place, st->nplaces * sizeof(sorted[0]));
	qsort(sorted, st->nplaces, sizeof(sorted[0]), by_count);
	for (unsigned i = 0; i < st->nplaces && y < end; i++) {
		const struct stats_place *p = &sorted[i];

		if (p->kind == KVM_EXIT_IO)
			snprintf(label, sizeof(label), "IO %s 0x%" PRIx64,
				 p->dir ? "out" : "in", p->where);
		else
			snprintf(label, sizeof(label), "MMIO %s 0x%" PRIx64,
				 p->dir ? "write" : "read", p->where);
		stats_row(g, r, y++, v, label, p->count);
	}
}

/* ---- memory ---------------------------------------------------------- */

void pane_memory(struct grid *g, struct rect r, const struct view *v)
{
	const struct snapshot *s = &v->cur;
	int y = r.y, end = r.y + r.h;
	int aw = s->mem_addr + s->mem_len > 0xffffffffull ? 16 : 8;

	if (!s->mem_on) {
		grid_text(g, r.x, y, r.w, GA_DIM,
			  "x shows memory: ADDR (physical), v ADDR (virtual) "
			  "or a symbol");
		return;
	}
	if (!s->mem_virtual)
		grid_printf(g, r.x, y++, r.w, GA_NORMAL,
			    "physical 0x%" PRIx64 "%s", s->mem_addr,
			    s->mem_mapped ? "" : ": outside guest RAM");
	else if (s->mem_mapped)
		grid_printf(g, r.x, y++, r.w, GA_NORMAL,
			    "virtual 0x%" PRIx64 " -> physical 0x%" PRIx64,
			    s->mem_addr, s->mem_pa);
	else
		grid_printf(g, r.x, y++, r.w, GA_ALERT,
			    "virtual 0x%" PRIx64 ": not mapped", s->mem_addr);
	for (unsigned i = 0; i < s->nwalk && y < end; i++)
		grid_text(g, r.x, y++, r.w, GA_DIM, s->walk[i]);
	for (unsigned off = 0; off < s->mem_len && y < end; off += 16, y++) {
		int n = grid_printf(g, r.x, y, r.w, GA_DIM, "%0*" PRIx64 " ",
				    aw, s->mem_addr + off);
		char ascii[17] = "";

		for (unsigned i = 0; i < 16; i++) {
			const char *gap = i == 8 ? "  " : " ";
			uint8_t c = off + i < s->mem_len ? s->mem[off + i] : 0;

			if (off + i >= s->mem_len) {
				n += grid_printf(g, r.x + n, y, r.w - n,
						 GA_NORMAL, "%s  ", gap);
				ascii[i] = ' ';
				continue;
			}
			n += grid_printf(g, r.x + n, y, r.w - n, GA_NORMAL,
					 "%s%02x", gap, c);
			ascii[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		grid_printf(g, r.x + n, y, r.w - n, GA_DIM, "  |%s|", ascii);
	}
}

/* ---- console --------------------------------------------------------- */

void pane_console(struct grid *g, struct rect r, const struct view *v)
{
	const struct snapshot *s = &v->cur;
	size_t end = s->console_len, start;
	int lines = 0, y;

	if (end && s->console[end - 1] == '\n')
		end--; /* the last line's newline does not open a new line */
	if (!s->console_len) {
		grid_text(g, r.x, r.y, r.w, GA_DIM,
			  "(the guest has printed nothing yet)");
		return;
	}
	/* Back from the end to the start of the r.h-th last line. */
	for (start = end; start > 0; start--)
		if (s->console[start - 1] == '\n' && ++lines == r.h)
			break;
	for (y = r.y; start <= end && y < r.y + r.h; y++) {
		size_t len = 0;
		char line[512];

		while (start + len < end && s->console[start + len] != '\n')
			len++;
		for (size_t i = 0, o = 0; i <= len && o < sizeof(line); i++)
			if (i == len || o == sizeof(line) - 1)
				line[o++] = '\0';
			else if (s->console[start + i] == '\t')
				line[o++] = ' ';
			else if (s->console[start + i] != '\r')
				line[o++] = s->console[start + i];
		grid_text(g, r.x, y, r.w, GA_NORMAL, line);
		start += len + 1;
	}
}
