/* SPDX-License-Identifier: MIT */
/*
 * failentry: decode KVM_EXIT_FAIL_ENTRY's hardware reason by CPU vendor
 * (see failentry.h).  Intel SDM Vol. 3C appendix C and 31.4; AMD APM
 * Vol. 2, 15.6 and appendix C.
 */
#include <cpuid.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvmlab/exits/failentry.h"

enum cpu_vendor cpu_vendor_of(const char *v)
{
	if (strcmp(v, "GenuineIntel") == 0)
		return CPU_VENDOR_INTEL;
	/* Hygon's Dhyana is an AMD Zen core with AMD's SVM. */
	if (strcmp(v, "AuthenticAMD") == 0 || strcmp(v, "HygonGenuine") == 0)
		return CPU_VENDOR_AMD;
	return CPU_VENDOR_OTHER;
}

enum cpu_vendor host_cpu_vendor(void)
{
	static int known = -1;
	unsigned a, b, c, d;
	char v[13];

	if (known >= 0)
		return (enum cpu_vendor)known;
	known = CPU_VENDOR_OTHER;
	if (__get_cpuid(0, &a, &b, &c, &d)) {
		/* The string is in EBX, EDX, ECX, in that order. */
		memcpy(v, &b, 4);
		memcpy(v + 4, &d, 4);
		memcpy(v + 8, &c, 4);
		v[12] = '\0';
		known = cpu_vendor_of(v);
	}
	return (enum cpu_vendor)known;
}

/* VMX: bit 31 set means a VM-entry failure with a basic exit reason in
 * bits 15:0; KVM reports a failed VMLAUNCH/VMRESUME itself with the
 * VM-instruction error number instead (bit 31 clear). */
static const char *vmx_name(uint64_t hw)
{
	if (!(hw & 0x80000000u)) {
		switch (hw) {
		case 7:
			return "VM-instruction error 7: invalid control fields";
		case 8:
			return "VM-instruction error 8: invalid host state";
		}
	}
	switch (hw & 0xffff) {
	case 33:
		return "invalid guest state";
	case 34:
		return "MSR loading";
	case 41:
		return "machine-check event";
	default:
		return "not decoded";
	}
}

/* SVM: the VMCB's EXITCODE, a 64-bit value; the failures are negative. */
static const char *svm_name(uint64_t hw)
{
	switch ((int64_t)hw) {
	case -1:
		return "VMEXIT_INVALID: the VMCB's guest state is invalid";
	case -2:
		return "VMEXIT_BUSY: the VMSA is in use";
	case -3:
		return "VMEXIT_IDLE_REQUIRED: another core must be idle";
	case -4:
		return "VMEXIT_INVALID_PMC: bad performance counter state";
	default:
		return "not decoded";
	}
}

const char *fail_entry_name_for(uint64_t hw_reason, enum cpu_vendor vendor)
{
	switch (vendor) {
	case CPU_VENDOR_INTEL:
		return vmx_name(hw_reason);
	case CPU_VENDOR_AMD:
		return svm_name(hw_reason);
	default:
		return "not decoded: the CPU is neither Intel nor AMD";
	}
}

int fail_entry_describe(uint64_t hw, enum cpu_vendor vendor, char *buf,
			size_t len)
{
	const char *name = fail_entry_name_for(hw, vendor);

	switch (vendor) {
	case CPU_VENDOR_INTEL:
		if (!(hw & 0x80000000u) && (hw == 7 || hw == 8))
			return snprintf(buf, len, "VMX %s", name);
		return snprintf(buf, len, "VMX exit reason %" PRIu64 " (%s)",
				hw & 0xffff, name);
	case CPU_VENDOR_AMD:
		return snprintf(buf, len, "SVM exit code 0x%" PRIx64 " (%s)",
				hw, name);
	default:
		return snprintf(buf, len, "hardware reason 0x%" PRIx64 " (%s)",
				hw, name);
	}
}
