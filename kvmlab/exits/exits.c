/* SPDX-License-Identifier: MIT */
/*
 * exits: name, decode and describe KVM exits (chapter 1).
 *
 * Every KVM_RUN ends with run->exit_reason.  The union that follows it in
 * struct kvm_run means something different for each reason, so it is decoded
 * exactly once, here, into struct exit_info.  The trace, the statistics, the
 * fault report and the viewer all read that one structure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/failentry.h"

/* Numbers from <linux/kvm.h>; newer kernels add at the end. */
static const char *const reason_names[] = {
    [KVM_EXIT_UNKNOWN] = "UNKNOWN",
    [KVM_EXIT_EXCEPTION] = "EXCEPTION",
    [KVM_EXIT_IO] = "IO",
    [KVM_EXIT_HYPERCALL] = "HYPERCALL",
    [KVM_EXIT_DEBUG] = "DEBUG",
    [KVM_EXIT_HLT] = "HLT",
    [KVM_EXIT_MMIO] = "MMIO",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
    [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
    [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
    [KVM_EXIT_INTR] = "INTR",
    [KVM_EXIT_SET_TPR] = "SET_TPR",
    [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
    [KVM_EXIT_S390_SIEIC] = "S390_SIEIC",
    [KVM_EXIT_S390_RESET] = "S390_RESET",
    [KVM_EXIT_DCR] = "DCR",
    [KVM_EXIT_NMI] = "NMI",
    [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
    [KVM_EXIT_OSI] = "OSI",
    [KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
    [KVM_EXIT_S390_UCONTROL] = "S390_UCONTROL",
    [KVM_EXIT_WATCHDOG] = "WATCHDOG",
    [KVM_EXIT_S390_TSCH] = "S390_TSCH",
    [KVM_EXIT_EPR] = "EPR",
    [KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
    [KVM_EXIT_S390_STSI] = "S390_STSI",
    [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
    [KVM_EXIT_HYPERV] = "HYPERV",
    [KVM_EXIT_ARM_NISV] = "ARM_NISV",
    [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
    [KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
    [KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
    [KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
    [KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
    [KVM_EXIT_XEN] = "XEN",
    [KVM_EXIT_RISCV_SBI] = "RISCV_SBI",
    [KVM_EXIT_RISCV_CSR] = "RISCV_CSR",
    [KVM_EXIT_NOTIFY] = "NOTIFY",
    [38] = "LOONGARCH_IOCSR",
    [39] = "MEMORY_FAULT",
    [40] = "TDX",
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < sizeof(reason_names) / sizeof(reason_names[0]) &&
	    reason_names[reason])
		return reason_names[reason];
	return "UNKNOWN";
}

const char *internal_error_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "EMULATION";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "SIMUL_EX";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "DELIVERY_EV";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "UNEXPECTED_EXIT_REASON";
	default:
		return "UNKNOWN";
	}
}

/* The CPU's code means what the host's vendor says: see failentry.h. */
const char *fail_entry_name(uint64_t hw_reason)
{
	return fail_entry_name_for(hw_reason, host_cpu_vendor());
}

bool exit_io_size_ok(const struct kvm_run *run)
{
	return run->io.size <= sizeof(uint64_t);
}

void exit_decode(const struct kvm_run *run, uint64_t seq, uint64_t rip,
		 struct exit_info *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	e->reason = run->exit_reason;
	e->rip = rip;

	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		const uint8_t *data =
		    (const uint8_t *)run + run->io.data_offset;

		e->port = run->io.port;
		e->size = run->io.size;
		e->out = run->io.direction == KVM_EXIT_IO_OUT;
		e->count = run->io.count;
		/* IN data is only known once the device answers. */
		if (e->out && exit_io_size_ok(run))
			memcpy(&e->data, data, e->size);
		break;
	}
	case KVM_EXIT_MMIO:
		e->addr = run->mmio.phys_addr;
		e->len = run->mmio.len;
		e->write = run->mmio.is_write;
		if (e->write && e->len <= 8)
			memcpy(&e->data, run->mmio.data, e->len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e->code = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e->code = run->internal.suberror;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e->code = run->system_event.type;
		break;
	case KVM_EXIT_DEBUG:
		e->code = run->debug.arch.exception;
		break;
	default:
		break;
	}
}

static char printable(uint64_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : 0;
}

const char *exit_details(const struct exit_info *e, char *buf, size_t len)
{
	char quote[8] = "", count[24] = "";

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (e->reason) {
	case KVM_EXIT_IO:
		if (e->size == 1 && printable(e->data))
			snprintf(quote, sizeof(quote), " '%c'",
				 printable(e->data));
		if (e->count > 1)
			snprintf(count, sizeof(count), " count %u", e->count);
		snprintf(buf, len,
			 "%-3s port 0x%x size %u data 0x%" PRIx64 "%s%s",
			 e->out ? "out" : "in", e->port, e->size, e->data,
			 quote, count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, len, "%s 0x%" PRIx64 " len %u data 0x%" PRIx64,
			 e->write ? "write" : "read", e->addr, e->len, e->data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, len, "hardware reason 0x%" PRIx64 " (%s)",
			 e->code, fail_entry_name(e->code));
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, len, "suberror %" PRIu64 " (%s)", e->code,
			 internal_error_name((uint32_t)e->code));
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		snprintf(buf, len, "type %" PRIu64, e->code);
		break;
	default:
		break;
	}
	return buf;
}

int exit_describe(const struct exit_info *e, char *buf, size_t len)
{
	const char *name = exit_reason_name(e->reason);

	switch (e->reason) {
	case KVM_EXIT_IO: {
		char c = e->size == 1 ? printable(e->data) : 0;

		if (!e->out)
			return snprintf(buf, len, "IO in  port 0x%x size %u%s",
					e->port, e->size,
					e->count > 1 ? " (rep)" : "");
		if (c)
			return snprintf(
			    buf, len,
			    "IO out port 0x%x size %u data 0x%" PRIx64 " '%c'",
			    e->port, e->size, e->data, c);
		return snprintf(
		    buf, len, "IO out port 0x%x size %u data 0x%" PRIx64 "%s",
		    e->port, e->size, e->data, e->count > 1 ? " (rep)" : "");
	}
	case KVM_EXIT_MMIO:
		if (e->write)
			return snprintf(buf, len,
					"MMIO write 0x%" PRIx64
					" len %u data 0x%" PRIx64,
					e->addr, e->len, e->data);
		return snprintf(buf, len, "MMIO read  0x%" PRIx64 " len %u",
				e->addr, e->len);
	case KVM_EXIT_FAIL_ENTRY:
		return snprintf(buf, len,
				"FAIL_ENTRY hardware reason 0x%" PRIx64 " (%s)",
				e->code, fail_entry_name(e->code));
	case KVM_EXIT_INTERNAL_ERROR:
		return snprintf(
		    buf, len, "INTERNAL_ERROR suberror %" PRIu64 " (%s)",
		    e->code, internal_error_name((uint32_t)e->code));
	default:
		return snprintf(buf, len, "%s", name);
	}
}

int exit_json(const struct exit_info *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "{\"seq\":%" PRIu64 ",\"reason\":\"%s\"",
			 e->seq, exit_reason_name(e->reason));
	size_t used = n > 0 ? (size_t)n : 0;

#define APPEND(...)                                                            \
	do {                                                                   \
		int k = snprintf(buf + (used < len ? used : len),              \
				 used < len ? len - used : 0, __VA_ARGS__);    \
		used += k > 0 ? (size_t)k : 0;                                 \
	} while (0)

	switch (e->reason) {
	case KVM_EXIT_IO:
		APPEND(",\"dir\":\"%s\",\"port\":%u,\"size\":%u,\"count\":%u",
		       e->out ? "out" : "in", e->port, e->size, e->count);
		if (e->out || e->answered)
			APPEND(",\"data\":%" PRIu64, e->data);
		break;
	case KVM_EXIT_MMIO:
		APPEND(",\"dir\":\"%s\",\"addr\":%" PRIu64 ",\"len\":%u",
		       e->write ? "write" : "read", e->addr, e->len);
		if (e->write || e->answered)
			APPEND(",\"data\":%" PRIu64, e->data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_INTERNAL_ERROR:
	case KVM_EXIT_SYSTEM_EVENT:
	case KVM_EXIT_DEBUG:
		APPEND(",\"code\":%" PRIu64, e->code);
		break;
	default:
		break;
	}
	APPEND(",\"rip\":%" PRIu64 "}", e->rip);
#undef APPEND
	return (int)used;
}
