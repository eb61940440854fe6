/* SPDX-License-Identifier: MIT */
/*
 * machine: open and close the machine every chapter from 2 on runs
 * (see machine.h).
 */
#include "kvmlab/machine/machine.h"

#include <string.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/viewer/viewer.h"

int machine_open(struct machine *m, const struct options *opt)
{
	int status;

	/* First make everything safe to close, whatever fails below. */
	memset(m, 0, sizeof(*m));
	m->kvm.fd = -1;
	m->vm.fd = -1;
	m->cpu.fd = -1;
	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");

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
	/* One vCPU, with the trace, statistics, image and buses attached. */
	if (vcpu_create(&m->cpu, &m->vm, 0))
		return ABI_STATUS_NO_KVM;
	m->cpu.trace = &m->trace;
	m->cpu.stats = opt->stats ? &m->stats : NULL;
	m->cpu.image = &m->img;
	m->cpu.pio = &m->pio;
	m->cpu.mmio = &m->mmio;
	return 0;
}

int machine_run(struct machine *m, const struct options *opt,
		const char *binary)
{
	m->ran = true;
	return opt->tui ? viewer_run(&m->cpu, opt, binary)
			: vcpu_run(&m->cpu, opt->timeout);
}

int machine_close(struct machine *m, const struct options *opt, int status)
{
	if (m->ran) {
		if (opt->stats) {
			stats_print(&m->stats, stderr);
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
