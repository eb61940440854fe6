/* SPDX-License-Identifier: MIT */
/*
 * exitlog: a ring of the last EXIT_LOG_SIZE exits and the statistics of
 * all of them (see exitlog.h).  A guest can make millions of exits; the
 * ring keeps the memory bounded and the newest ones at hand.
 */
#include "kvmlab/exits/exitlog.h"

void exit_log_add(struct exit_log *l, const struct exit_info *e)
{
	l->e[l->total % EXIT_LOG_SIZE] = *e;
	l->total++;
	stats_add(&l->stats, e);
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
