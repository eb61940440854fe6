/* SPDX-License-Identifier: MIT */
/*
 * machine: open, load, run and close the machine every chapter from 2 on
 * runs (see machine.h).
 */
#include "kvmlab/machine/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/irq/irqchip.h"

int machine_open(struct machine *m, const struct options *opt, unsigned flags)
{
	int status;

	/* First make everything safe to close, whatever fails below. */
	memset(m, 0, sizeof(*m));
	m->opt = opt;
	m->kvm.fd = -1;
	m->vm.fd = -1;
	m->cpu.fd = -1;
	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");
	m->board = (struct board){.pio = &m->pio, .mmio = &m->mmio};

	if (trace_open(&m->trace, opt->trace))
		return ABI_STATUS_USAGE;
	/* The guest image, before KVM: a wrong path is the same mistake on
	 * a machine without KVM, and gets the same answer there. */
	status = -guest_file_read(&m->file, opt->guest, opt->mem, 1);
	if (status)
		return status;
	/* /dev/kvm, and a VM with RAM at guest-physical 0. */
	if (kvm_open(&m->kvm) || vm_create(&m->vm, &m->kvm, opt->mem))
		return ABI_STATUS_NO_KVM;
	/* Chapter 6: KVM's PICs, I/O APIC and PIT, before any vCPU. */
	if ((flags & MACHINE_IRQCHIP) && irqchip_create(&m->vm))
		return ABI_STATUS_UNSUPPORTED;
	/* One vCPU, with the exit record and the buses attached. */
	if (vcpu_create(&m->cpu, &m->vm, 0))
		return ABI_STATUS_NO_KVM;
	m->rec.trace = &m->trace;
	m->rec.image = &m->img;
	m->cpu.rec = &m->rec;
	m->cpu.pio = &m->pio;
	m->cpu.mmio = &m->mmio;
	return 0;
}

/* "ELF64 or flat images": the kinds in `kinds`, for a message. */
static const char *kinds_text(unsigned kinds, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned k = IMAGE_ELF64 + 1; k-- > 0;)
		if (kinds & (1u << k))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? " or " : "",
						 image_kind_name(k));
	return buf;
}

int machine_load(struct machine *m, uint64_t flat_at, unsigned kinds)
{
	char want[40];
	int status = -guest_file_load(&m->file, &m->vm.mem, flat_at, &m->img);

	if (status || (kinds & (1u << m->img.kind)))
		return status;
	error("%s is %s; %s runs %s images", m->opt->guest,
	      image_kind_name(m->img.kind), m->opt->binary,
	      kinds_text(kinds, want, sizeof(want)));
	if (m->img.kind == IMAGE_ELF64)
		hint("64-bit guests run with build/ch03 (without --paging32) "
		     "and the later chapters");
	else if (m->img.kind == IMAGE_ELF32)
		hint("32-bit guests run with build/ch02 (or ch03 --paging32)");
	else
		hint("this needs an ELF image: its symbols name the entry "
		     "points");
	return ABI_STATUS_BAD_IMAGE;
}

int machine_load_dt(struct machine *m, const char *dump_path, uint64_t *gpa)
{
	uint8_t *blob = malloc(ABI_FDT_MAX);
	int r, status = ABI_STATUS_HOST;

	if (!blob || !m->board.dt) {
		error(blob ? "the machine has no device tree to load"
			   : "out of memory for the device tree");
		free(blob);
		return ABI_STATUS_HOST;
	}
	if (dt_build(m->board.dt, blob, ABI_FDT_MAX))
		goto out;
	if (dump_path && dt_write_file(blob, dump_path)) {
		status = ABI_STATUS_USAGE;
		goto out;
	}
	r = dt_load(blob, &m->vm.mem, &m->img, gpa);
	status = r == 0		? 0
		 : r == -EEXIST ? ABI_STATUS_BAD_IMAGE
				: ABI_STATUS_HOST;
out:
	free(blob);
	return status;
}

int machine_run(struct machine *m, machine_viewer *viewer)
{
	m->ran = true;
	if (m->opt->tui)
		return viewer(&m->cpu, m->opt);
	return vcpu_run(&m->cpu, m->opt->timeout);
}

int machine_close(struct machine *m, int status)
{
	if (m->ran) {
		if (m->opt->stats) {
			stats_print(&m->rec.stats, stderr);
			if (m->device_stats)
				m->device_stats(m, stderr);
		}
		info("guest stopped: status %d after %llu exits", status,
		     (unsigned long long)m->cpu.exits);
	}
	/* A grader must not take a cut trace for a whole successful run. */
	if (trace_close(&m->trace) && status == ABI_STATUS_OK)
		status = ABI_STATUS_HOST;
	guest_file_free(&m->file);
	image_free(&m->img);
	vcpu_destroy(&m->cpu);
	vm_destroy(&m->vm);
	kvm_close(&m->kvm);
	return status;
}
