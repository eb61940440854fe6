/* SPDX-License-Identifier: MIT */
/*
 * trace: write the --trace exit log (chapter 1).  One JSON object per line,
 * numbers in decimal so any JSON reader takes them as they are.  The
 * format is in README.md ("The exit trace").
 *
 * "rip" is RIP as KVM reports it at the exit, and KVMs differ: at an IO
 * exit, VT-x and AMD-V leave it at the IN/OUT itself (KVM completes the
 * instruction on the next KVM_RUN), kvm-pvm after it; at a SHUTDOWN,
 * AMD-V has already reset the vCPU (0xfff0).  The trace writes what KVM
 * said rather than guess, so it is the same data a student's own VMM
 * would see.
 */
#include <errno.h>
#include <string.h>

#include "kvmlab/base/log.h"
#include "kvmlab/exits/trace.h"

int trace_open(struct trace *t, const char *path)
{
	t->out = NULL;
	if (!path)
		return 0;
	if (strcmp(path, "-") == 0) {
		t->out = stderr;
		return 0;
	}
	t->out = fopen(path, "w");
	if (!t->out) {
		int err = errno;

		error("cannot write the trace file %s: %s", path,
		      strerror(err));
		hint("give --trace a path in a directory you can write to");
		return -err;
	}
	return 0;
}

void trace_exit(struct trace *t, const struct exit_info *e)
{
	char line[256];

	if (!t || !t->out)
		return;
	exit_json(e, line, sizeof(line));
	fputs(line, t->out);
	fputc('\n', t->out);
}

int trace_close(struct trace *t)
{
	int err = 0;

	if (!t->out)
		return 0;
	if (fflush(t->out) != 0 || ferror(t->out))
		err = errno ? errno : EIO;
	if (t->out != stderr && fclose(t->out) != 0 && !err)
		err = errno;
	t->out = NULL;
	if (err) {
		error("writing the trace failed: %s", strerror(err));
		hint("the trace is incomplete; give --trace a file on a disk "
		     "with room");
	}
	return -err;
}
