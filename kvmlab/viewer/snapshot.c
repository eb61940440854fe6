/* SPDX-License-Identifier: MIT */
/*
 * snapshot: copy what the viewer shows out of the vCPU (see snapshot.h).
 *
 * Every guest byte is read through KVM_TRANSLATE and gpa_to_host() (via
 * guest_read_linear() and guest_read()), so a wild RIP or a memory view
 * past the end of RAM shows as "not mapped", never as a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlab/kvm/guestdbg.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/viewer/snapshot.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"

static void take_exits(struct snapshot *s, const struct stepper *st)
{
	unsigned n = exit_log_count(&st->v->rec->log);
	unsigned first = n > SNAP_EXITS ? n - SNAP_EXITS : 0;

	s->nexits = 0;
	for (unsigned i = first; i < n; i++) {
		struct snap_exit *x = &s->exit[s->nexits++];

		x->e = *exit_log_get(&st->v->rec->log, i);
		image_addr_name(st->v->rec->image, x->e.rip, x->where,
				sizeof(x->where));
	}
}

/* The PICs now, and the interrupts steps took (chapter 6 on). */
static void take_irqs(struct snapshot *s, const struct stepper *st)
{
	uint64_t first = st->nirqs > STEP_IRQS ? st->nirqs - STEP_IRQS : 0;

	s->irq_on = st->irqchip && irq_state_read(st->v, &s->irq) == 0;
	s->nirqs = st->nirqs;
	s->nshown = 0;
	for (uint64_t n = first; n < st->nirqs; n++) {
		struct snap_irq *x = &s->irqs[s->nshown++];

		x->t = st->irqs[n % STEP_IRQS];
		x->n = n + 1;
		image_addr_name(st->v->rec->image, x->t.rip, x->where,
				sizeof(x->where));
		x->handler[0] = '\0';
		if (x->t.handler_ok)
			image_addr_name(st->v->rec->image, x->t.handler,
					x->handler, sizeof(x->handler));
	}
}

/* pt_walk_print() writes for a FILE: catch its lines in memory. */
static void take_walk(struct snapshot *s, struct vcpu *v)
{
	struct pt_walk w;
	char text[SNAP_WALK * 100];
	FILE *f;

	s->nwalk = 0;
	/* kvmlab's walker knows 4-level paging, the only kind in long mode. */
	if (!(s->sregs.cr0 & CR0_PG) || !(s->sregs.efer & EFER_LMA))
		return;
	pt_walk(&v->vm->mem, s->sregs.cr3 & PTE_ADDR, s->mem_addr, &w);
	memset(text, 0, sizeof(text));
	f = fmemopen(text, sizeof(text) - 1, "w");
	if (!f)
		return;
	pt_walk_print(&w, s->mem_addr, f);
	fclose(f);
	for (char *line = strtok(text, "\n"); line && s->nwalk < SNAP_WALK;
	     line = strtok(NULL, "\n"))
		snprintf(s->walk[s->nwalk++], sizeof(s->walk[0]), "%s",
			 line[0] == ' ' && line[1] == ' ' ? line + 2 : line);
}

static void take_memory(struct snapshot *s, const struct snap_source *src)
{
	struct vcpu *v = src->st->v;
	const struct guest_mem *mem = &v->vm->mem;

	s->mem_on = src->mem_on;
	s->mem_virtual = src->mem_virtual;
	s->mem_addr = src->mem_addr;
	s->mem_len = 0;
	s->mem_mapped = false;
	if (!s->mem_on)
		return;
	if (s->mem_virtual) {
		s->mem_mapped = s->regs_ok &&
				vcpu_translate(v, s->mem_addr, &s->mem_pa) == 0;
		if (s->mem_mapped)
			s->mem_len = (unsigned)guest_read_linear(
			    v, s->mem_addr, s->mem, sizeof(s->mem));
		take_walk(s, v);
		return;
	}
	s->mem_pa = s->mem_addr;
	s->mem_mapped = s->mem_addr < mem->size;
	if (s->mem_mapped) {
		uint64_t room = mem->size - s->mem_addr;

		s->mem_len = room < sizeof(s->mem) ? (unsigned)room
						   : (unsigned)sizeof(s->mem);
		guest_read(mem, s->mem_addr, s->mem, s->mem_len);
	}
}

/* The last SNAP_CONSOLE bytes of the captured console. */
static void take_console(struct snapshot *s, int fd)
{
	struct stat st;
	off_t from;
	ssize_t n;

	s->console_len = 0;
	fflush(stdout); /* the console device writes through stdio */
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	from = st.st_size > SNAP_CONSOLE ? st.st_size - SNAP_CONSOLE : 0;
	n = pread(fd, s->console, SNAP_CONSOLE, from);
	s->console_len = n > 0 ? (size_t)n : 0;
}

void snapshot_take(struct snapshot *s, const struct snap_source *src)
{
	struct stepper *st = src->st;
	struct vcpu *v = st->v;
	uint64_t rip;

	memset(s, 0, sizeof(*s));
	s->regs_ok = vcpu_get_regs(v, &s->regs) == 0 &&
		     vcpu_get_sregs(v, &s->sregs) == 0;
	if (s->regs_ok) {
		cpu_mode_describe(&s->sregs, s->mode, sizeof(s->mode));
		rip = linear_rip(&s->regs, &s->sregs);
		image_addr_name(v->rec->image, rip, s->rip_name,
				sizeof(s->rip_name));
		s->ncode = (unsigned)guest_read_linear(v, rip, s->code,
						       sizeof(s->code));
	} else {
		snprintf(s->mode, sizeof(s->mode), "unknown");
	}
	s->why = st->why;
	snprintf(s->why_text, sizeof(s->why_text), "%s", st->why_text);
	s->ended = st->ended;
	s->status = st->status;
	s->steps = st->steps;
	s->exits = st->v->rec->log.total;
	s->run_ns = st->run_ns;
	breaks_describe(&st->br, v->rec->image, s->breaks, sizeof(s->breaks));
	/* Say how c and n will reach them: by single steps, on every KVM. */
	if (breaks_any(&st->br) || st->br.on_mode)
		snprintf(s->breaks + strlen(s->breaks),
			 sizeof(s->breaks) - strlen(s->breaks),
			 "  (c, n: by single steps)");
	take_exits(s, st);
	take_irqs(s, st);
	s->stats = st->v->rec->stats;
	take_memory(s, src);
	take_console(s, src->console_fd);
}
