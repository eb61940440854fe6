/* SPDX-License-Identifier: MIT */
/*
 * stats: exit statistics for --stats (chapter 1): how many exits of each
 * reason, and per port or MMIO address, printed as a table at the end.
 */
#ifndef KVMLAB_STATS_H
#define KVMLAB_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "kvmlab/exits/exits.h"

#define STATS_REASONS 64 /* KVM exit reasons are small numbers */
#define STATS_PLACES  64 /* distinct ports / MMIO addresses tracked */

struct stats_place {
	uint64_t where; /* port or MMIO address */
	uint8_t kind;	/* KVM_EXIT_IO or KVM_EXIT_MMIO */
	uint8_t dir;	/* 1 = out / write, 0 = in / read */
	uint64_t count;
};

struct stats {
	uint64_t total;
	uint64_t by_reason[STATS_REASONS];
	uint64_t other_reason; /* reasons >= STATS_REASONS */
	struct stats_place place[STATS_PLACES];
	unsigned nplaces;
	uint64_t places_dropped; /* exits at places beyond STATS_PLACES */
	uint64_t elapsed_ns;	 /* run time, set by the run loop */
};

/* Count exit `e` by reason and, for IO and MMIO, by port or address. */
void stats_add(struct stats *s, const struct exit_info *e);
/* The --stats table: per reason, then per place, busiest first. */
void stats_print(const struct stats *s, FILE *out);

#endif
