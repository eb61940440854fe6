/* SPDX-License-Identifier: MIT */
/*
 * grade: run one case of a graded test program (the labs).
 *
 * The grader runs each rubric line as its own process and reads its exit
 * status (0 pass, 77 skip, anything else fail) and, because the code under
 * test shares this process and could fake the status, cmocka's summary:
 * status 0 without "[  PASSED  ]", or with "[  FAILED  ]", is a FAIL
 * (tests/grader/cmocka.c).  cmocka's test filter
 * picks the case; checking the name first keeps a typo in a rubric from
 * running nothing and passing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "abi/machine.h"
#include "grade.h"
#include "kvmlab/base/log.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/kvm/kvm.h"

int grade_main(int argc, char **argv, const char *group,
	       const struct CMUnitTest *tests, size_t n)
{
	size_t i;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | CASE]\n", argv[0]);
		return 2;
	}
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc == 2) {
		for (i = 0; i < n && strcmp(tests[i].name, argv[1]); i++)
			;
		if (i == n) {
			fprintf(stderr, "%s: no case named %s (--list)\n",
				argv[0], argv[1]);
			return 2;
		}
		cmocka_set_test_filter(argv[1]);
	}
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL) ? 1 : 0;
}

void grade_need_kvm(void)
{
	int kvm = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm >= 0) {
		close(vm);
		close(kvm);
		return;
	}
	if (kvm >= 0)
		close(kvm);
	printf("needs KVM: cannot create a VM with %s (make doctor says "
	       "why)\n",
	       kvm_device_path());
	fflush(stdout);
	_exit(77);
}

const char *grade_guest(const char *name)
{
	static char path[4096];
	const char *gb = getenv("GB");

	snprintf(path, sizeof(path), "%s/%s", gb && *gb ? gb : "build/guest",
		 name);
	return path;
}

void grade_kvm_open(struct grade_kvm *h, uint64_t ram)
{
	grade_need_kvm();
	memset(h, 0, sizeof(*h));
	h->vm.fd = h->cpu.fd = -1;
	check(kvm_open(&h->kvm) == 0, "the test could not open KVM");
	check(vm_create(&h->vm, &h->kvm, ram) == 0,
	      "the test could not create a VM");
	check(vcpu_create(&h->cpu, &h->vm, 0) == 0,
	      "the test could not create a vCPU");
}

void grade_kvm_close(struct grade_kvm *h)
{
	vcpu_destroy(&h->cpu);
	vm_destroy(&h->vm);
	kvm_close(&h->kvm);
}

const uint64_t grade_gdt[4] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
			       0x00af9b000000ffffull};

struct kvm_segment grade_flat_segment(uint16_t selector, uint8_t type, int l,
				      int db)
{
	return (struct kvm_segment){.limit = 0xffffffff,
				    .selector = selector,
				    .type = type,
				    .present = 1,
				    .s = 1,
				    .l = l,
				    .db = db,
				    .g = 1};
}

uint32_t grade_kvm_out(struct grade_kvm *h, unsigned *size, const char *who)
{
	struct kvm_run *run = h->cpu.run;
	uint32_t value = 0;

	check(ioctl(h->cpu.fd, KVM_RUN, 0) == 0, "%s: KVM_RUN failed: %s", who,
	      strerror(errno));
	check(run->exit_reason == KVM_EXIT_IO &&
		  run->io.direction == KVM_EXIT_IO_OUT,
	      "%s: the guest's first exit is %s, not its OUT instruction", who,
	      exit_reason_name(run->exit_reason));
	check(run->io.size <= sizeof(value), "%s: an OUT of %u bytes", who,
	      run->io.size);
	memcpy(&value, (uint8_t *)run + run->io.data_offset, run->io.size);
	*size = run->io.size;
	return value;
}

void grade_fake_vcpu(struct grade_fake_vcpu *f, struct bus *pio,
		     struct bus *mmio)
{
	memset(f, 0, sizeof(*f));
	f->kvm.fd = f->vm.fd = f->cpu.fd = -1;
	f->kvm.vcpu_mmap_size = GRADE_RUN_SIZE;
	f->vm.kvm = &f->kvm;
	f->cpu.vm = &f->vm;
	f->cpu.sync_regs = true;
	f->cpu.pio = pio;
	f->cpu.mmio = mmio;
	f->cpu.run = calloc(1, GRADE_RUN_SIZE);
	check(f->cpu.run != NULL, "out of memory");
}

void grade_fake_vcpu_free(struct grade_fake_vcpu *f)
{
	free(f->cpu.run);
	f->cpu.run = NULL;
}

void grade_probe_access(void *probe, struct bus_access *a)
{
	struct grade_probe *p = probe;

	if (!a->write)
		a->value = p->answer + 0x11ull * p->reads++;
	if (p->n < GRADE_PROBE_MAX)
		p->log[p->n] = *a;
	p->n++;
	if (p->stop_after && p->n == p->stop_after)
		vcpu_stop(p->stop_cpu, 5);
}

void grade_kvm_put(struct grade_kvm *h, uint64_t gpa, const void *data,
		   size_t len)
{
	check(guest_write(&h->vm.mem, gpa, data, len) == 0,
	      "the test's %zu bytes at 0x%llx do not fit in guest RAM", len,
	      (unsigned long long)gpa);
}

void grade_kvm_flat(struct grade_kvm *h, struct kvm_sregs *s, uint16_t code_sel,
		    const void *code, size_t len)
{
	bool l = code_sel == ABI_SEL_CODE64;

	grade_kvm_put(h, ABI_GDT_ADDR, grade_gdt, sizeof(grade_gdt));
	grade_kvm_put(h, GRADE_CODE, code, len);
	check(vcpu_get_sregs(&h->cpu, s) == 0, "KVM_GET_SREGS failed");
	s->cs = grade_flat_segment(code_sel, 0xb, l, !l);
	s->ds = s->es = s->fs = s->gs = s->ss =
	    grade_flat_segment(ABI_SEL_DATA, 3, 0, 1);
}

uint32_t grade_kvm_run(struct grade_kvm *h, const struct kvm_sregs *s,
		       unsigned *size, const char *who)
{
	struct kvm_regs r = {.rip = GRADE_CODE, .rflags = 2};

	check(ioctl(h->cpu.fd, KVM_SET_SREGS, s) == 0,
	      "%s: KVM_SET_SREGS refused the registers: %s (CR0 0x%llx CR4 "
	      "0x%llx EFER 0x%llx)",
	      who, strerror(errno), (unsigned long long)s->cr0,
	      (unsigned long long)s->cr4, (unsigned long long)s->efer);
	check(vcpu_set_regs(&h->cpu, &r) == 0, "KVM_SET_REGS failed");
	return grade_kvm_out(h, size, who);
}
