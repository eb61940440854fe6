/* SPDX-License-Identifier: MIT */
/*
 * exitlog: the register viewer's exit log (chapter 1 on): the last
 * EXIT_LOG_SIZE exits, for its exit pane and its file dump, and the
 * statistics of every exit, for its statistics pane.  The vCPU's own
 * history (exits.h) keeps 16 for fault reports; a student scrolling back
 * through a run wants many more.
 */
#ifndef KVMLAB_EXITLOG_H
#define KVMLAB_EXITLOG_H

#include <stdint.h>

#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/stats.h"

#define EXIT_LOG_SIZE 1000

struct exit_log {
	struct exit_info e[EXIT_LOG_SIZE]; /* a ring */
	uint64_t total;			   /* exits ever added */
	struct stats stats;		   /* of all of them */
};

void exit_log_add(struct exit_log *l, const struct exit_info *e);
/* Exits held (at most EXIT_LOG_SIZE); i = 0 is the oldest held. */
unsigned exit_log_count(const struct exit_log *l);
const struct exit_info *exit_log_get(const struct exit_log *l, unsigned i);

#endif
