/* SPDX-License-Identifier: MIT */
/*
 * phases: what stretches of a run cost, between marks the guest sets
 * (chapter 7's --compare).
 *
 * A lesson that says "this way costs fewer exits" should measure it, and
 * not with the guest's own numbers: those are only what the guest says.
 * So the guest only marks where each stretch begins and ends (chapter 7
 * uses HC_EXIT_STATS), and at each mark the VMM notes its own count of
 * exits, its own clock and the bytes its consoles have printed.
 *
 * Phase i runs from mark 2i to mark 2i + 1.  The VMM counts an exit once
 * it has handled it, so at a mark the count holds the exits before the
 * mark's own; a phase's exits are those strictly between its two marks
 * (the start mark's own exit is left out).
 */
#ifndef KVMLAB_EXITS_PHASES_H
#define KVMLAB_EXITS_PHASES_H

#include <stdint.h>
#include <stdio.h>

#define PHASES_MAX 8

struct phase {
	uint64_t exits; /* exits to the VMM between the marks */
	uint64_t ns;	/* from the first mark to the second */
	uint64_t bytes; /* printed meanwhile */
};

struct phases {
	struct phase mark[2 * PHASES_MAX]; /* at each mark: the totals */
	unsigned marks;			   /* marks noted */
	uint64_t dropped;		   /* marks beyond the room */
};

/* No marks yet. */
void phases_init(struct phases *p);

/* A mark: the VMM's exits so far, its clock, bytes printed so far. */
void phases_mark(struct phases *p, uint64_t exits, uint64_t ns, uint64_t bytes);

/* Phase i: 0 and *out when both its marks were set, else -ENOENT. */
int phases_get(const struct phases *p, unsigned i, struct phase *out);

/*
 * The table, on `out`: one row per phase, named names[0..n-1] (names
 * without digits, so a script can take the first number of a row as its
 * exits), with its exits, exits per line of text (`lines` lines per
 * phase), bytes per exit, wall time, and its exits and time as a share
 * of the first phase's ("1/68": a 68th).  0, or -ENOENT when the guest
 * marked fewer than n phases (said, with how many).
 */
int phases_print(const struct phases *p, const char *const names[], unsigned n,
		 uint64_t lines, FILE *out);

#endif
