/* SPDX-License-Identifier: MIT */
/*
 * stats: count exits per reason and per port or MMIO address (chapter 1),
 * printed by --stats.  The counts are what the chapters measure: one exit per
 * byte printed through a port, fewer with paravirtual devices.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "kvmlab/exits/stats.h"

static struct stats_place *place_for(struct stats *s, uint8_t kind,
				     uint64_t where, uint8_t dir)
{
	for (unsigned i = 0; i < s->nplaces; i++) {
		struct stats_place *p = &s->place[i];

		if (p->kind == kind && p->where == where && p->dir == dir)
			return p;
	}
	if (s->nplaces == STATS_PLACES)
		return NULL;
	s->place[s->nplaces] =
	    (struct stats_place){.where = where, .kind = kind, .dir = dir};
	return &s->place[s->nplaces++];
}

void stats_add(struct stats *s, const struct exit_info *e)
{
	struct stats_place *p = NULL;

	s->total++;
	if (e->reason < STATS_REASONS)
		s->by_reason[e->reason]++;
	else
		s->other_reason++;
	if (e->reason == KVM_EXIT_IO)
		p = place_for(s, KVM_EXIT_IO, e->port, e->out);
	else if (e->reason == KVM_EXIT_MMIO)
		p = place_for(s, KVM_EXIT_MMIO, e->addr, e->write);
	else
		return;
	if (p)
		p->count++;
	else
		s->places_dropped++;
}

static int by_count(const void *a, const void *b)
{
	const struct stats_place *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->where < y->where ? -1 : x->where > y->where;
}

static double share(uint64_t n, uint64_t total)
{
	return total ? 100.0 * (double)n / (double)total : 0.0;
}

void stats_print(const struct stats *s, FILE *out)
{
	struct stats_place sorted[STATS_PLACES];
	double secs = (double)s->elapsed_ns / 1e9;

	fflush(stdout);
	fprintf(out, "\nexit statistics: %" PRIu64 " exits", s->total);
	if (s->elapsed_ns)
		fprintf(
		    out,
		    " in %.3f %s (%.0f exits/s, %.2f us of run time per exit)",
		    secs < 1 ? secs * 1e3 : secs, secs < 1 ? "ms" : "s",
		    secs > 0 ? (double)s->total / secs : 0.0,
		    s->total ? secs * 1e6 / (double)s->total : 0.0);
	fprintf(out, "\n  %-18s %10s %7s\n", "reason", "count", "share");
	for (unsigned r = 0; r < STATS_REASONS; r++)
		if (s->by_reason[r])
			fprintf(out, "  %-18s %10" PRIu64 " %6.1f%%\n",
				exit_reason_name(r), s->by_reason[r],
				share(s->by_reason[r], s->total));
	if (s->other_reason)
		fprintf(out, "  %-18s %10" PRIu64 " %6.1f%%\n", "(other)",
			s->other_reason, share(s->other_reason, s->total));
	if (!s->nplaces)
		return;

	for (unsigned i = 0; i < s->nplaces; i++)
		sorted[i] = s->place[i];
	qsort(sorted, s->nplaces, sizeof(sorted[0]), by_count);
	fprintf(out, "  %-18s %10s %7s\n", "port / address", "count", "share");
	for (unsigned i = 0; i < s->nplaces; i++) {
		const struct stats_place *p = &sorted[i];
		char where[32];

		if (p->kind == KVM_EXIT_IO)
			snprintf(where, sizeof(where), "IO %-4s 0x%" PRIx64,
				 p->dir ? "out" : "in", p->where);
		else
			snprintf(where, sizeof(where), "MMIO %s 0x%" PRIx64,
				 p->dir ? "wr" : "rd", p->where);
		fprintf(out, "  %-18s %10" PRIu64 " %6.1f%%\n", where, p->count,
			share(p->count, s->total));
	}
	if (s->places_dropped)
		fprintf(out, "  %-18s %10" PRIu64 "\n", "(more places)",
			s->places_dropped);
}
