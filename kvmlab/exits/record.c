/* SPDX-License-Identifier: MIT */
/* record: each exit to the log, the statistics and the trace (record.h). */
#include "kvmlab/exits/record.h"

void exit_record_add(struct exit_record *r, const struct exit_info *e)
{
	exit_log_add(&r->log, e);
	stats_add(&r->stats, e);
	trace_exit(r->trace, e);
}

uint64_t exit_record_count(const struct exit_record *r)
{
	return r->log.total;
}
