/* SPDX-License-Identifier: MIT */
/*
 * options: the command line every chapter binary shares (chapter 1).
 *
 * One parser, so --trace, --stats and --timeout mean the same thing in
 * every chapter and a grader can drive all of them alike.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/cli/keys.h"
#include "kvmlab/cli/options.h"

const char *guest_dir(char *buf, size_t len)
{
	const char *env = getenv("KVMLAB_GUEST_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(buf, len, "build/guest");
		return buf;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/guest", exe);
	return buf;
}

void options_usage(const struct chapter_info *ch, FILE *out)
{
	fprintf(
	    out,
	    "usage: %s [options]\n"
	    "Chapter %s of kvmlab: %s.\n\n"
	    "  --guest FILE   run FILE instead of this chapter's guest\n"
	    "  --trace FILE   write every exit as one JSON line to FILE "
	    "('-' = stderr)\n"
	    "  --stats        print exit statistics at the end\n"
	    "  --timeout SEC  stop a guest still running after SEC seconds "
	    "(default %u, 0 = none)\n"
	    "  --mem SIZE     guest RAM, for example 4M (default 2M, at "
	    "most 1G)\n"
	    "  --tui          step through the guest in the register "
	    "viewer (? lists its keys)\n"
	    "  --tui-script KEYS  the viewer without a terminal: replay "
	    "KEYS, print the screen\n"
	    "  --tui-size CxR     the headless screen's size (default "
	    "80x24)\n"
	    "  --mono         the viewer without colour (so is NO_COLOR=1)\n"
	    "  -v, -q         more or fewer messages from the VMM\n"
	    "  --help         this text\n",
	    ch->binary, ch->binary + 2, ch->title, ch->default_timeout);
	for (const struct chapter_flag *f = ch->flags; f && f->name; f++)
		fprintf(out, "  --%-12s %s\n", f->name, f->help);
	for (const struct chapter_value *c = ch->values; c && c->name; c++) {
		char opt[64];

		snprintf(opt, sizeof(opt), "%s %s", c->name, c->arg);
		fprintf(out, "  --%-12s %s\n", opt, c->help);
	}
	fprintf(out,
		"\nExit status: the guest's own (0-63), or 64 usage error, "
		"65 bad guest image,\n66 guest image missing, 69 KVM "
		"unavailable, 70 guest fault, 71 host error,\n77 not "
		"supported here, 78 exercise not done yet, 124 timeout.\n");
}

static int usage_error(const struct chapter_info *ch, const char *what,
		       const char *arg)
{
	error("%s%s%s", what, arg ? ": " : "", arg ? arg : "");
	hint("run `%s --help` for the options", ch->binary);
	return ABI_STATUS_USAGE;
}

static bool chapter_flag(const struct chapter_info *ch, const char *name)
{
	for (const struct chapter_flag *f = ch->flags; f && f->name; f++) {
		if (strcmp(f->name, name) == 0) {
			*f->value = true;
			return true;
		}
	}
	return false;
}

static const struct chapter_value *chapter_value(const struct chapter_info *ch,
						 const char *name)
{
	for (const struct chapter_value *c = ch->values; c && c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* A key script with a typo is a usage error like any other option's, so
 * it is found here, before the chapter opens KVM, not by the viewer. */
static int check_script(const struct chapter_info *ch, const char *script)
{
	/* Every key takes at least one byte of the script. */
	int *keys = malloc((strlen(script) + 1) * sizeof(*keys));
	char err[160];
	int n;

	if (!keys) {
		error("--tui-script: out of memory");
		return -1;
	}
	n = keys_parse(script, keys, strlen(script) + 1, err, sizeof(err));
	free(keys);
	if (n < 0) {
		error("--tui-script: %s", err);
		hint("run `%s --help` for the options", ch->binary);
		return -1;
	}
	return 0;
}

/* The chapter's guest, or the one a flag that was given runs instead. */
static const char *default_guest(const struct chapter_info *ch)
{
	for (const struct chapter_flag *f = ch->flags; f && f->name; f++)
		if (*f->value && f->guest)
			return f->guest;
	return ch->default_guest;
}

int options_parse(struct options *o, const struct chapter_info *ch, int argc,
		  char **argv)
{
	char dir[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->binary = ch->binary;
	o->timeout = ch->default_timeout;
	o->mem = ABI_RAM_DEFAULT;
	o->tui_cols = 80;
	o->tui_rows = 24;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes =
		    strcmp(a, "--guest") == 0 || strcmp(a, "--trace") == 0 ||
		    strcmp(a, "--timeout") == 0 || strcmp(a, "--mem") == 0 ||
		    strcmp(a, "--tui-script") == 0 ||
		    strcmp(a, "--tui-size") == 0;

		if (takes && !val)
			return usage_error(ch, "option needs a value", a);
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			options_usage(ch, stdout);
			return ABI_STATUS_OK;
		} else if (strcmp(a, "--guest") == 0) {
			o->guest = val;
		} else if (strcmp(a, "--trace") == 0) {
			o->trace = val;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = true;
		} else if (strcmp(a, "--timeout") == 0) {
			char *end;
			unsigned long t;

			errno = 0;
			t = strtoul(val, &end, 10);
			if (errno || *end || end == val || *val == '-' ||
			    t > 86400)
				return usage_error(
				    ch,
				    "--timeout takes whole seconds "
				    "from 0 to 86400",
				    val);
			o->timeout = (unsigned)t;
		} else if (strcmp(a, "--mem") == 0) {
			if (parse_size(val, &o->mem) || o->mem < ABI_RAM_MIN ||
			    o->mem > ABI_RAM_MAX || o->mem % 4096)
				return usage_error(
				    ch,
				    "--mem takes a size from 2M to 1G "
				    "in whole pages, such as 4M",
				    val);
		} else if (strcmp(a, "--tui") == 0) {
			o->tui = true;
		} else if (strcmp(a, "--tui-script") == 0) {
			o->tui = true;
			o->tui_script = val;
		} else if (strcmp(a, "--tui-size") == 0) {
			char x, junk;

			if (sscanf(val, "%u%c%u%c", &o->tui_cols, &x,
				   &o->tui_rows, &junk) != 3 ||
			    x != 'x' || o->tui_cols < 80 || o->tui_rows < 24 ||
			    o->tui_cols > 500 || o->tui_rows > 500)
				return usage_error(ch,
						   "--tui-size takes COLSxROWS "
						   "from 80x24 to 500x500",
						   val);
		} else if (strcmp(a, "--mono") == 0) {
			o->mono = true;
		} else if (strcmp(a, "-v") == 0) {
			o->verbose++;
		} else if (strcmp(a, "-q") == 0) {
			o->verbose--;
		} else if (strncmp(a, "--", 2) == 0 &&
			   chapter_flag(ch, a + 2)) {
			continue;
		} else if (strncmp(a, "--", 2) == 0 &&
			   chapter_value(ch, a + 2)) {
			if (!val)
				return usage_error(ch, "option needs a value",
						   a);
			*chapter_value(ch, a + 2)->value = val;
			i++;
			continue;
		} else {
			return usage_error(ch, "unknown option", a);
		}
		if (takes)
			i++;
	}
	if (o->tui_script && check_script(ch, o->tui_script))
		return ABI_STATUS_USAGE;
	if (!o->guest) {
		snprintf(o->guest_buf, sizeof(o->guest_buf), "%s/%s",
			 guest_dir(dir, sizeof(dir)), default_guest(ch));
		o->guest = o->guest_buf;
	}
	log_level = o->verbose > 0   ? LOG_DEBUG
		    : o->verbose < 0 ? LOG_ERROR
				     : LOG_INFO;
	return OPTIONS_RUN;
}
