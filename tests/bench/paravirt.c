/* SPDX-License-Identifier: MIT */
/*
 * paravirt: the --compare table of chapter 7 (see paravirt.h).
 *
 * The chapter binary measures each phase itself, between the marks its
 * guest sets (kvmlab/exits/phases.c), and prints the table among its
 * messages; here it runs as a user would run it and its table is shown
 * as it printed it, with the whole run's exits and time for scale.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "paravirt.h"
#include "session.h"

/* The table: its title, an empty line, its head, its rows, an empty
 * line. */
#define TABLE_TITLE "the same "
#define TABLE_HEAD  "  console "

void bench_paravirt(const char *ch07)
{
	char *argv[] = {(char *)ch07, "--compare", "--timeout", "240", NULL};
	struct session s;
	const char *table, *head, *end = NULL;

	printf("\nkvmlab bench: paravirtual consoles (chapter 7, %s "
	       "--compare)\n",
	       ch07);
	session_run(argv, "", 0, 0, &s);
	table = strstr(s.messages, "\n" TABLE_TITLE);
	head = table ? strstr(table, "\n" TABLE_HEAD) : NULL;
	if (head)
		end = strstr(head + 1, "\n\n");
	if (!end) {
		printf("  (%s printed no table)\n", ch07);
		return;
	}
	printf("%.*s\n\n", (int)(end - table), table);
	printf("  the whole run: %" PRIu64 " exits, %.0f ms from start to "
	       "exit\n",
	       s.exits, s.wall_ms);
}
