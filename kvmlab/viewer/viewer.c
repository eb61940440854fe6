/* SPDX-License-Identifier: MIT */
/*
 * viewer: one register-viewer session, in a terminal or headless (see
 * viewer.h).  This file owns the session's life: symbols, the output
 * capture, the loop that reads keys, and the redraw while the guest runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/cli/keys.h"
#include "kvmlab/load/symfile.h"
#include "kvmlab/viewer/capture.h"
#include "kvmlab/viewer/commands.h"
#include "kvmlab/viewer/layout.h"
#include "kvmlab/viewer/tui.h"
#include "kvmlab/viewer/viewer.h"

#define MAX_KEYS    4096
#define REDRAW_NS   250000000ull /* redraw a running guest 4 times a second */
#define TUI_TICK_MS 50		 /* but look at the keyboard more often */

/* ---- in a terminal ----------------------------------------------------- */

static uint64_t last_draw;

static void draw(struct viewer *vw)
{
	int cols, rows, cursor;

	tui_size(&cols, &rows);
	if (cols != vw->grid.cols || rows != vw->grid.rows) {
		grid_free(&vw->grid);
		if (grid_init(&vw->grid, cols, rows) < 0 &&
		    grid_init(&vw->grid, VIEW_MIN_COLS, VIEW_MIN_ROWS) < 0)
			die(ABI_STATUS_HOST, "out of memory for the screen");
	}
	cursor = view_render(&vw->view, &vw->grid);
	tui_paint(&vw->grid, cursor);
	last_draw = now_ns();
}

/*
 * While the guest runs: keys are read between KVM_RUNs, and the screen is
 * redrawn from a fresh snapshot at most every 250 ms, never per exit (a
 * guest can make a hundred thousand exits a second).
 */
static bool tui_tick(void *opaque)
{
	struct viewer *vw = opaque;
	int k;

	if (tui_signal()) {
		vw->quit = true;
		return true;
	}
	while ((k = tui_key(0)) != KEY_NONE) {
		if (k == 'p')
			return true;
		if (k == 'q') {
			vw->quit = true;
			return true;
		}
		if (k != VKEY_RESIZE && !viewer_page_key(vw, k))
			snprintf(vw->view.message, sizeof(vw->view.message),
				 "running: p pauses, q quits");
	}
	if (now_ns() - last_draw >= REDRAW_NS) {
		viewer_refresh(vw, false);
		draw(vw);
	}
	return false;
}

static int interactive(struct viewer *vw, const struct options *opt)
{
	int r = tui_open(opt->mono), sig;

	if (r)
		return r;
	vw->console_fd = tui_console_fd();
	vw->view.clock = true;
	vw->hooks = (struct run_hooks){TUI_TICK_MS, tui_tick, vw};
	vw->draw = draw;
	viewer_refresh(vw, false);
	draw(vw);
	while (!vw->quit && !tui_signal()) {
		int k = tui_key(250);

		if (k == KEY_NONE)
			continue;
		if (k == KEY_CTRL_L)
			tui_redraw();
		viewer_key(vw, k);
		draw(vw);
	}
	sig = tui_signal();
	tui_close();
	if (sig)
		return 128 + sig;
	return vw->st.ended ? vw->st.status : ABI_STATUS_OK;
}

/* ---- headless ------------------------------------------------------- */

static bool headless_tick(void *opaque)
{
	struct viewer *vw = opaque;

	if (!vw->deadline_ns || now_ns() < vw->deadline_ns)
		return false;
	snprintf(vw->view.message, sizeof(vw->view.message),
		 "stopped by --timeout %u s", vw->timeout);
	return true;
}

static void frame(struct viewer *vw, FILE *out, unsigned *n)
{
	view_render(&vw->view, &vw->grid);
	fprintf(out, "--- frame %u ---\n", ++*n);
	grid_write(&vw->grid, out);
	fflush(out);
}

static int headless(struct viewer *vw, const struct options *opt)
{
	static int keys[MAX_KEYS];
	struct capture out;
	unsigned frames = 0;
	char err[160];
	FILE *f;
	int n, fd;

	n = keys_parse(opt->tui_script, keys, MAX_KEYS, err, sizeof(err));
	if (n < 0) {
		error("--tui-script: %s", err);
		return ABI_STATUS_USAGE;
	}
	if (grid_init(&vw->grid, (int)opt->tui_cols, (int)opt->tui_rows))
		return ABI_STATUS_HOST;
	/* Frames go to stdout; the guest's console is held until after. */
	if (capture_start(&out, STDOUT_FILENO))
		return ABI_STATUS_HOST;
	fd = dup(out.saved);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		capture_stop(&out, true, true);
		return ABI_STATUS_HOST;
	}
	vw->headless = true;
	vw->console_fd = out.file;
	vw->timeout = opt->timeout;
	vw->hooks = (struct run_hooks){100, headless_tick, vw};
	viewer_refresh(vw, false);
	for (int i = 0; i < n && !vw->quit; i++) {
		if (keys[i] == VKEY_FRAME)
			frame(vw, f, &frames);
		else
			viewer_key(vw, keys[i]);
	}
	if (n == 0 || keys[n - 1] != VKEY_FRAME || vw->quit)
		frame(vw, f, &frames);
	fclose(f);
	capture_stop(&out, true, true);
	return vw->st.ended ? vw->st.status : ABI_STATUS_OK;
}

/* ---- the session ------------------------------------------------------ */

int viewer_run(struct vcpu *v, const struct options *opt)
{
	const char *binary = opt->binary;
	const struct guest_image *image;
	struct guest_image syms = {0};
	struct viewer *vw = calloc(1, sizeof(*vw));
	char path[4096];
	int status = ABI_STATUS_HOST;

	if (!vw || !v->rec) {
		error(vw ? "the viewer needs the vCPU's exit record"
			 : "out of memory for the viewer");
		free(vw);
		return ABI_STATUS_HOST;
	}
	image = v->rec->image;
	/* A flat image has no symbols; its build wrote them beside it. */
	if ((!image || !image->nsyms) && opt->guest) {
		if (image)
			syms = *image;
		syms.syms = NULL;
		syms.nsyms = 0;
		if (symfile_load(symfile_path(opt->guest, path, sizeof(path)),
				 &syms) == 0)
			v->rec->image = &syms;
		else
			debug("no symbols: %s is not readable", path);
	}
	vw->binary = binary;
	vw->view.title = binary;
	vw->console_fd = -1;
	if (stepper_init(&vw->st, v) == 0)
		status =
		    opt->tui_script ? headless(vw, opt) : interactive(vw, opt);
	grid_free(&vw->grid);
	free(vw);
	v->rec->image = image;
	image_free(&syms);
	return status;
}
