/* SPDX-License-Identifier: MIT */
/*
 * grade: what every graded C test program shares (the labs).
 *
 * A graded test program is a cmocka test group whose cases are run one
 * per process by the rubric: `test_ch02 encode_flat_code`.  One case per
 * process means partial credit per case, a crash or an exercise stub
 * (which ends the process) costs only that case, and a case name that
 * does not exist is an error instead of an empty run that "passes".
 */
#ifndef KVMLAB_GRADE_H
#define KVMLAB_GRADE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"

/*
 * Run the case named argv[1], or every case when there is no argument;
 * `--list` prints the names.  Returns the process's exit status.
 */
int grade_main(int argc, char **argv, const char *group,
	       const struct CMUnitTest *tests, size_t n);

#define GRADE_MAIN(group, tests)                                               \
	grade_main(argc, argv, group, tests, sizeof(tests) / sizeof(tests[0]))

/* Skip the case (exit status 77, with the reason) unless a VM can be made. */
void grade_need_kvm(void);

/* The file of a built guest: $GB/name (GB defaults to build/guest). */
const char *grade_guest(const char *name);

/*
 * A VM with `ram` bytes of RAM and one vCPU, made by the library (no
 * exercise in it), for the cases that ask KVM itself whether the state
 * an exercise computed is right: KVM_SET_SREGS accepts it and the CPU
 * runs code in the mode it describes.  Skips the case without KVM.
 */
struct grade_kvm {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
};
void grade_kvm_open(struct grade_kvm *h, uint64_t ram);
void grade_kvm_close(struct grade_kvm *h);

/* The GDT of every kvmlab guest, as numbers: null, 32-bit code (0x08),
 * data (0x10), 64-bit code (0x18), accessed bits set. */
extern const uint64_t grade_gdt[4];
/* A flat segment of grade_gdt as KVM_SET_SREGS takes it. */
struct kvm_segment grade_flat_segment(uint16_t selector, uint8_t type, int l,
				      int db);

/* Write `len` bytes at guest-physical `gpa` through the bounds-checked
 * translator (guest_write()); fail the case if RAM does not hold them. */
void grade_kvm_put(struct grade_kvm *h, uint64_t gpa, const void *data,
		   size_t len);

/*
 * KVM_RUN the vCPU until its first exit, which must be an OUT: fail the
 * case (naming `who` and the exit) otherwise.  Returns the value written,
 * its size in *size.
 */
uint32_t grade_kvm_out(struct grade_kvm *h, unsigned *size, const char *who);

/*
 * The cases that run a few instructions in a mode an exercise computed:
 * grade_kvm_flat() writes grade_gdt at ABI_GDT_ADDR and `code` at
 * GRADE_CODE, and fills `s` from KVM_GET_SREGS with flat segments from
 * constants (CS = `code_sel`, 64-bit for ABI_SEL_CODE64; data 0x10), never
 * with an exercise; the case then sets what it grades.  grade_kvm_run()
 * hands `s` to KVM_SET_SREGS (a refusal fails the case, naming CR0, CR4
 * and EFER), starts at GRADE_CODE and returns the first OUT's value.
 */
#define GRADE_CODE 0x2000
void grade_kvm_flat(struct grade_kvm *h, struct kvm_sregs *s, uint16_t code_sel,
		    const void *code, size_t len);
uint32_t grade_kvm_run(struct grade_kvm *h, const struct kvm_sregs *s,
		       unsigned *size, const char *who);

/*
 * A vCPU with no KVM behind it, for the cases that grade the run loop's
 * handling of an exit: its kvm_run is a zeroed buffer of
 * GRADE_RUN_SIZE bytes the case fills as KVM would, then hands to
 * vcpu_handle_exit().  RIP comes from the buffer (sync regs).
 */
#define GRADE_RUN_SIZE 8192
struct grade_fake_vcpu {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
};
void grade_fake_vcpu(struct grade_fake_vcpu *f, struct bus *pio,
		     struct bus *mmio);
void grade_fake_vcpu_free(struct grade_fake_vcpu *f);

/*
 * A device for those cases: it logs every access (up to GRADE_PROBE_MAX)
 * and answers the n-th read (n = 0, 1, ...) with `answer` + n * 0x11,
 * or calls vcpu_stop() on `stop_cpu` when `stop_after` accesses are done.
 */
#define GRADE_PROBE_MAX 16
struct grade_probe {
	uint64_t answer;
	unsigned reads, n;
	struct bus_access log[GRADE_PROBE_MAX];
	unsigned stop_after; /* 0: never */
	struct vcpu *stop_cpu;
};
void grade_probe_access(void *probe, struct bus_access *a);

/* Fail the case with a message a student can act on, unless `cond`. */
#define check(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg(__VA_ARGS__);                                 \
	} while (0)

#endif
