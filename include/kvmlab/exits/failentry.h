/* SPDX-License-Identifier: MIT */
/*
 * failentry: what the hardware reason of KVM_EXIT_FAIL_ENTRY means
 * (chapter 2).
 *
 * KVM passes the CPU's own code through unchanged, and the CPU's vendor
 * decides what it is: on Intel a VMX exit reason (33 = invalid guest
 * state), on AMD an SVM exit code (VMEXIT_INVALID = -1).  The same number
 * means different things on the two, so it is decoded by the host's CPU
 * vendor, read from CPUID leaf 0.
 */
#ifndef KVMLAB_FAILENTRY_H
#define KVMLAB_FAILENTRY_H

#include <stddef.h>
#include <stdint.h>

enum cpu_vendor {
	CPU_VENDOR_OTHER, /* neither: the code is shown undecoded */
	CPU_VENDOR_INTEL, /* VT-x: VMX exit reasons */
	CPU_VENDOR_AMD,	  /* AMD-V (and Hygon): SVM exit codes */
};

/* The vendor of a CPUID leaf 0 vendor string such as "GenuineIntel". */
enum cpu_vendor cpu_vendor_of(const char *vendor_string);
/* This host's vendor, from CPUID leaf 0 (read once). */
enum cpu_vendor host_cpu_vendor(void);

/*
 * A short name for `hw_reason` on a `vendor` CPU: "invalid guest state"
 * (VMX 33), "VMEXIT_INVALID: the VMCB's guest state is invalid" (SVM -1),
 * or "not decoded" for a code it does not know.
 */
const char *fail_entry_name_for(uint64_t hw_reason, enum cpu_vendor vendor);

/*
 * One phrase naming the code and what it means:
 *   "VMX exit reason 33 (invalid guest state)"
 *   "SVM exit code 0xffffffffffffffff (VMEXIT_INVALID: the VMCB's guest
 *    state is invalid)"
 *   "hardware reason 0x21 (not decoded: the CPU is neither Intel nor AMD)"
 * Returns snprintf's value.
 */
int fail_entry_describe(uint64_t hw_reason, enum cpu_vendor vendor, char *buf,
			size_t len);

#endif
