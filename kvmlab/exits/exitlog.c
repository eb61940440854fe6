/* SPDX-License-Identifier: MIT */
/* exitlog: a ring of the last EXIT_LOG_SIZE exits (see exitlog.h). */
#include "kvmlab/exits/exitlog.h"

#include <inttypes.h>

void exit_log_add(struct exit_log *l, const struct exit_info *e)
{
	l->e[l->total % EXIT_LOG_SIZE] = *e;
	l->total++;
}

unsigned exit_log_count(const struct exit_log *l)
{
	return l->total < EXIT_LOG_SIZE ? (unsigned)l->total : EXIT_LOG_SIZE;
}

const struct exit_info *exit_log_get(const struct exit_log *l, unsigned i)
{
	unsigned n = exit_log_count(l);

	if (i >= n)
		return NULL;
	return &l->e[(l->total - n + i) % EXIT_LOG_SIZE];
}

struct exit_info *exit_log_newest(struct exit_log *l)
{
	return l->total ? &l->e[(l->total - 1) % EXIT_LOG_SIZE] : NULL;
}

void exit_log_print(const struct exit_log *l, unsigned n, FILE *out)
{
	unsigned held = exit_log_count(l);
	char line[128];

	if (held == 0) {
		fprintf(out, "  (no exits before this one)\n");
		return;
	}
	for (unsigned i = held > n ? held - n : 0; i < held; i++) {
		const struct exit_info *e = exit_log_get(l, i);

		exit_describe(e, line, sizeof(line));
		fprintf(out, "  #%-6" PRIu64 " rip 0x%-8" PRIx64 " %s\n",
			e->seq, e->rip, line);
	}
}
