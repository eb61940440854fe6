/* SPDX-License-Identifier: MIT */
/*
 * options: the command line every chapter binary shares (chapter 1).
 *
 *   --guest FILE  --trace FILE  --stats  --timeout SEC  --mem SIZE
 *   --tui  --tui-script KEYS  --tui-size COLSxROWS  --mono
 *   -v  --help, plus flags a chapter adds (chapter 2's --direct, ...).
 */
#ifndef KVMLAB_OPTIONS_H
#define KVMLAB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A chapter's own on/off flag, such as { "direct", "...", &direct }. */
struct chapter_flag {
	const char *name; /* without the leading "--" */
	const char *help;
	bool *value;
	/* The guest file it runs when --guest is not given; NULL: the
	 * chapter's default_guest. */
	const char *guest;
};

/*
 * A chapter's own option with a value, such as
 * { "dump-dtb", "FILE", "write the device tree to FILE", &dump_path }.
 */
struct chapter_value {
	const char *name; /* without the leading "--" */
	const char *arg;  /* the value's name in --help */
	const char *help;
	const char **value; /* receives the value as given */
};

struct chapter_info {
	const char *binary;	   /* "ch02" */
	const char *title;	   /* "protected mode" */
	const char *default_guest; /* file name under the guest directory */
	unsigned default_timeout;  /* seconds, 0 = none */
	const struct chapter_flag *flags;   /* NULL-terminated, or NULL */
	const struct chapter_value *values; /* NULL-terminated, or NULL */
};

struct options {
	const char *binary; /* the chapter's, "ch02": for messages */
	const char *guest;  /* --guest, or the chapter's own guest */
	const char *trace;  /* --trace FILE, NULL = off */
	bool stats;
	unsigned timeout; /* seconds, 0 = none */
	uint64_t mem;	  /* bytes of guest RAM */
	int verbose;
	/* The register viewer (viewer.h): --tui, or headless with a script. */
	bool tui;
	const char *tui_script;	     /* --tui-script KEYS; implies tui */
	unsigned tui_cols, tui_rows; /* --tui-size, headless frames */
	bool mono;		     /* --mono: no colour */
	char guest_buf[4096];
};

/* options_parse() found nothing that ends the program: run. */
#define OPTIONS_RUN (-1)

/*
 * Parse argv.  OPTIONS_RUN to run; otherwise the exit status to return:
 * 0 after --help, ABI_STATUS_USAGE after printing the error and a hint.
 */
int options_parse(struct options *o, const struct chapter_info *ch, int argc,
		  char **argv);
/* The --help text: shared options, the chapter's own, exit statuses. */
void options_usage(const struct chapter_info *ch, FILE *out);

/*
 * Where the chapter guests are: $KVMLAB_GUEST_DIR, or the "guest" folder
 * beside the running binary (build/guest for build/ch01).
 */
const char *guest_dir(char *buf, size_t len);

#endif
