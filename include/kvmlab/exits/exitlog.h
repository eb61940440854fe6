/* SPDX-License-Identifier: MIT */
/*
 * exitlog: the last exits of a run (chapter 1 on), the one history every
 * reader shares: a fault report shows the last few, the register viewer's
 * exit pane scrolls back through all of them and dumps them to a file.
 * A guest can make millions of exits; the ring keeps memory bounded and
 * the newest ones at hand.
 */
#ifndef KVMLAB_EXITLOG_H
#define KVMLAB_EXITLOG_H

#include <stdint.h>
#include <stdio.h>

#include "kvmlab/exits/exits.h"

#define EXIT_LOG_SIZE 1000

struct exit_log {
	struct exit_info e[EXIT_LOG_SIZE]; /* a ring */
	uint64_t total;			   /* exits ever added */
};

void exit_log_add(struct exit_log *l, const struct exit_info *e);
/* Exits held (at most EXIT_LOG_SIZE); i = 0 is the oldest held. */
unsigned exit_log_count(const struct exit_log *l);
const struct exit_info *exit_log_get(const struct exit_log *l, unsigned i);
/* The newest exit, to amend (the viewer sets its RIP); NULL when empty. */
struct exit_info *exit_log_newest(struct exit_log *l);
/* The newest `n` exits, oldest first, one line each (a fault report). */
void exit_log_print(const struct exit_log *l, unsigned n, FILE *out);

#endif
