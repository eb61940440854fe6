/* SPDX-License-Identifier: MIT */
/*
 * prompts: the register viewer's questions on the bottom line (see
 * prompts.h): where to break, which exits to break on, which memory to
 * show, where to write the screen.  Answers name addresses the way the
 * screen shows them: symbols, symbol+offset, hex numbers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/cli/keys.h"
#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/viewer/layout.h"
#include "kvmlab/viewer/prompts.h"
#include "kvmlab/x86/decode.h"

#define MSG(vw, ...)                                                           \
	snprintf((vw)->view.message, sizeof((vw)->view.message), __VA_ARGS__)

void viewer_ask(struct viewer *vw, enum prompt_kind p)
{
	static const char *const question[] = {
	    [PROMPT_BREAK] = "breakpoint at (symbol or hex; Enter = RIP)",
	    [PROMPT_FILTER] = "break on exits (io 3f8, mmio A-B, hlt, any; "
			      "Enter = off)",
	    [PROMPT_MEMORY] = "memory at (p ADDR, v ADDR, symbol; Enter = RIP)",
	};

	vw->prompt = p;
	if (p == PROMPT_WRITE)
		snprintf(vw->question, sizeof(vw->question),
			 "write to (Enter = %s-view.txt)", vw->binary);
	else
		snprintf(vw->question, sizeof(vw->question), "%s", question[p]);
	vw->view.prompt = vw->question;
	vw->view.input[0] = '\0';
}

/* The linear address of CS:RIP in the current snapshot. */
static uint64_t here(const struct viewer *vw)
{
	return linear_rip(&vw->view.cur.regs, &vw->view.cur.sregs);
}

/*
 * "page_fault", "page_fault+12" (decimal, as the screen shows offsets),
 * "page_fault+0x10", or a hex address.  1 for an empty answer, 0 with
 * *addr set, -EINVAL.
 */
static int resolve(const struct viewer *vw, const char *text, uint64_t *addr)
{
	const char *plus = strchr(text, '+');
	char name[128];
	uint64_t off = 0;
	char *end;

	text += strspn(text, " ");
	if (!*text)
		return 1;
	snprintf(name, sizeof(name), "%.*s",
		 plus ? (int)(plus - text) : (int)strcspn(text, " "), text);
	if (plus) {
		off = strtoull(plus + 1, &end,
			       strncmp(plus + 1, "0x", 2) ? 10 : 16);
		if (end == plus + 1 || *end)
			return -EINVAL;
	}
	if (image_symbol_find(vw->st.v->rec->image, name, addr) == 0) {
		*addr += off;
		return 0;
	}
	return plus ? -EINVAL : parse_hex(name, addr);
}

static void commit_break(struct viewer *vw, const char *text)
{
	char name[96];
	uint64_t addr = here(vw);
	int r = resolve(vw, text, &addr);

	if (r < 0) {
		MSG(vw, "'%s' is neither a symbol nor a hex address", text);
		return;
	}
	image_addr_name(vw->st.v->rec->image, addr, name, sizeof(name));
	r = breaks_toggle(&vw->st.br, addr);
	if (r > 0)
		MSG(vw, "breakpoint %d at %s (c and n single-step to it)", r,
		    name);
	else if (r == 0)
		MSG(vw, "breakpoint at %s cleared", name);
	else
		MSG(vw, "all four breakpoints are in use: b at one of them "
			"clears it");
}

static void commit_filter(struct viewer *vw, const char *text)
{
	char err[128], what[64];

	if (exit_filter_parse(text, &vw->st.br.filter, err, sizeof(err))) {
		MSG(vw, "%s", err);
		return;
	}
	MSG(vw, "break on exits: %s",
	    exit_filter_describe(&vw->st.br.filter, what, sizeof(what)));
}

/* "p ADDR" physical, "v ADDR" virtual, a symbol (virtual), a bare
 * address (physical), or nothing (virtual, at RIP). */
static void commit_memory(struct viewer *vw, const char *text)
{
	bool virt = false, forced = false;
	uint64_t addr = here(vw);
	int r;

	text += strspn(text, " ");
	if ((text[0] == 'p' || text[0] == 'v') &&
	    (text[1] == ' ' || (text[1] == '0' && text[2] == 'x'))) {
		virt = text[0] == 'v';
		forced = true;
		text++;
	}
	r = resolve(vw, text, &addr);
	if (r < 0) {
		MSG(vw, "'%s' is not an address: p ADDR, v ADDR or a symbol",
		    text);
		return;
	}
	text += strspn(text, " ");
	if (!forced)
		/* An answer that is not a plain hex number was a symbol (or
		 * RIP): code and data addresses are virtual. */
		virt = r == 1 || parse_hex(text, &(uint64_t){0}) != 0;
	vw->mem_on = true;
	vw->mem_virtual = virt;
	vw->mem_addr = addr;
	vw->view.page = PAGE_MEMORY;
}

static void commit_write(struct viewer *vw, const char *text)
{
	char path[160];

	text += strspn(text, " ");
	if (*text)
		snprintf(path, sizeof(path), "%s", text);
	else
		snprintf(path, sizeof(path), "%s-view.txt", vw->binary);
	viewer_write(vw, path, vw->view.message, sizeof(vw->view.message));
}

static void commit(struct viewer *vw)
{
	char text[sizeof(vw->view.input)];
	enum prompt_kind p = vw->prompt;

	snprintf(text, sizeof(text), "%s", vw->view.input);
	vw->prompt = PROMPT_NONE;
	vw->view.prompt = NULL;
	vw->view.input[0] = '\0';
	if (p == PROMPT_BREAK)
		commit_break(vw, text);
	else if (p == PROMPT_FILTER)
		commit_filter(vw, text);
	else if (p == PROMPT_MEMORY)
		commit_memory(vw, text);
	else if (p == PROMPT_WRITE)
		commit_write(vw, text);
	viewer_refresh(vw, false);
}

void viewer_prompt_key(struct viewer *vw, int key)
{
	size_t n = strlen(vw->view.input);

	if (key == KEY_ESC_) {
		vw->prompt = PROMPT_NONE;
		vw->view.prompt = NULL;
		vw->view.input[0] = '\0';
		MSG(vw, "cancelled");
	} else if (key == KEY_ENTER_) {
		commit(vw);
	} else if (key == KEY_BS_) {
		if (n)
			vw->view.input[n - 1] = '\0';
	} else if (key >= 0x20 && key < 0x7f &&
		   n + 1 < sizeof(vw->view.input)) {
		vw->view.input[n] = (char)key;
		vw->view.input[n + 1] = '\0';
	}
}

int viewer_write(struct viewer *vw, const char *path, char *msg, size_t len)
{
	unsigned n = exit_log_count(&vw->st.v->rec->log);
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f) {
		err = errno;
		snprintf(msg, len, "cannot write %s: %s", path, strerror(err));
		return -err;
	}
	view_render(&vw->view, &vw->grid);
	grid_write(&vw->grid, f);
	fprintf(f, "\nthe last %u exits of %" PRIu64 ", oldest first:\n", n,
		vw->st.v->rec->log.total);
	for (unsigned i = 0; i < n; i++) {
		const struct exit_info *e =
		    exit_log_get(&vw->st.v->rec->log, i);
		char d[128], where[96];

		fprintf(f, "%7" PRIu64 " %-14s %-44s %s\n", e->seq,
			exit_reason_name(e->reason),
			exit_details(e, d, sizeof(d)),
			image_addr_name(vw->st.v->rec->image, e->rip, where,
					sizeof(where)));
	}
	if (ferror(f))
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	if (err)
		snprintf(msg, len, "writing %s failed: %s", path,
			 strerror(err));
	else
		snprintf(msg, len, "wrote the screen and %u exits to %s", n,
			 path);
	return -err;
}
