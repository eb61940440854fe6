/* SPDX-License-Identifier: MIT */
/*
 * commands: the register viewer's keys (see commands.h).
 *
 * A key either acts at once (s, n, c, m, pages, help, q) or opens a
 * prompt on the bottom line (b, e, x, w) whose answer is acted on with
 * Enter.  Every command leaves a snapshot behind for the screen.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kvmlab/base/now.h"
#include "kvmlab/cli/keys.h"
#include "kvmlab/viewer/commands.h"
#include "kvmlab/viewer/prompts.h"

#define MSG(vw, ...)                                                           \
	snprintf((vw)->view.message, sizeof((vw)->view.message), __VA_ARGS__)

void viewer_refresh(struct viewer *vw, bool stop)
{
	struct snap_source src = {
	    .st = &vw->st,
	    .mem_on = vw->mem_on,
	    .mem_virtual = vw->mem_virtual,
	    .mem_addr = vw->mem_addr,
	    .console_fd = vw->console_fd,
	};

	if (stop) {
		vw->view.prev = vw->view.cur;
		vw->view.have_prev = true;
	}
	snapshot_take(&vw->view.cur, &src);
}

static bool refuse_ended(struct viewer *vw)
{
	if (!vw->st.ended)
		return false;
	MSG(vw, "the guest has ended (status %d): q quits", vw->st.status);
	return true;
}

static void run(struct viewer *vw, bool to_exit)
{
	if (refuse_ended(vw))
		return;
	vw->deadline_ns =
	    vw->timeout ? now_ns() + vw->timeout * 1000000000ull : 0;
	vw->view.running = true;
	if (vw->draw)
		vw->draw(vw);
	stepper_run(&vw->st, to_exit, &vw->hooks);
	vw->view.running = false;
	viewer_refresh(vw, true);
}

/*
 * Under an irqchip a step can wait for an interrupt (stepper.h): it is
 * bounded by --timeout like a run, and drawn as running if it takes long.
 */
static void step(struct viewer *vw)
{
	if (refuse_ended(vw))
		return;
	vw->deadline_ns =
	    vw->timeout ? now_ns() + vw->timeout * 1000000000ull : 0;
	vw->view.running = vw->st.irqchip;
	stepper_step(&vw->st, &vw->hooks);
	vw->view.running = false;
	viewer_refresh(vw, true);
}

bool viewer_page_key(struct viewer *vw, int key)
{
	if (key == KEY_TAB_)
		vw->view.page = (vw->view.page + 1) % PAGE_COUNT;
	else if (key >= '1' && key < '1' + PAGE_COUNT)
		vw->view.page = (enum view_page)(key - '1');
	else
		return false;
	return true;
}

void viewer_key(struct viewer *vw, int key)
{
	struct view *v = &vw->view;

	if (vw->prompt) {
		viewer_prompt_key(vw, key);
		return;
	}
	v->message[0] = '\0';
	if (v->help) { /* any key closes the help */
		v->help = false;
		return;
	}
	if (viewer_page_key(vw, key))
		return;
	switch (key) {
	case 's':
		step(vw);
		break;
	case 'n':
		run(vw, true);
		break;
	case 'c':
		run(vw, false);
		break;
	case 'p':
		MSG(vw, "nothing is running: c continues, n runs to the next "
			"exit");
		break;
	case 'b':
		viewer_ask(vw, PROMPT_BREAK);
		break;
	case 'e':
		viewer_ask(vw, PROMPT_FILTER);
		break;
	case 'm':
		vw->st.br.on_mode = !vw->st.br.on_mode;
		MSG(vw, "break on mode change: %s",
		    vw->st.br.on_mode
			? "on (runs single-step to watch CR0 and EFER)"
			: "off");
		viewer_refresh(vw, false);
		break;
	case 'x':
		viewer_ask(vw, PROMPT_MEMORY);
		break;
	case 'w':
		viewer_ask(vw, PROMPT_WRITE);
		break;
	case '?':
	case 'h':
		v->help = true;
		break;
	case 'q':
		vw->quit = true;
		break;
	case KEY_CTRL_L:
	case VKEY_RESIZE:
		break;
	default:
		MSG(vw, "no command on key %s%c%s: ? lists the keys",
		    key >= 0x20 && key < 0x7f ? "'" : "",
		    key >= 0x20 && key < 0x7f ? key : '?',
		    key >= 0x20 && key < 0x7f ? "'" : "");
		break;
	}
}
