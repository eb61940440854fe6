/* SPDX-License-Identifier: MIT */
/*
 * exits: name, decode and explain KVM exits (chapter 1).
 *
 * KVM_RUN returns to the VMM with run->exit_reason set.  Every reason gets a
 * name, every exit is decoded once into a struct exit_info that the trace,
 * the statistics, the fault report and the viewer all read, and the exits a
 * student meets when something goes wrong (a triple fault, a failed VM entry,
 * an emulation failure) are explained in plain words.
 */
#ifndef KVMLAB_EXITS_H
#define KVMLAB_EXITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm.h>

/* Exits newer than the oldest <linux/kvm.h> kvmlab builds with (Linux
 * 5.15's, Ubuntu 22.04's): the numbers are the kernel's ABI. */
#ifndef KVM_EXIT_RISCV_SBI
#define KVM_EXIT_RISCV_SBI 35
#endif
#ifndef KVM_EXIT_RISCV_CSR
#define KVM_EXIT_RISCV_CSR 36
#endif
#ifndef KVM_EXIT_NOTIFY
#define KVM_EXIT_NOTIFY 37
#endif

struct exit_info {
	uint64_t seq;	 /* 1 for the first exit of the run */
	uint32_t reason; /* KVM_EXIT_* */
	uint64_t rip;	 /* guest RIP when the exit was taken */
	/* KVM_EXIT_IO */
	uint16_t port;
	uint8_t size;	/* 1, 2 or 4 bytes */
	bool out;	/* OUT (guest -> device) or IN */
	uint32_t count; /* > 1 for a REP string instruction */
	uint64_t data;	/* first element (OUT: what the guest wrote) */
	/* KVM_EXIT_MMIO */
	uint64_t addr;
	uint32_t len;
	bool write;
	/* KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_SYSTEM_EVENT */
	uint64_t code;
	/* IN or MMIO read: `data` holds the device's answer (set by the run
	 * loop after dispatch; the trace shows it). */
	bool answered;
};

/* "IO", "HLT", "SHUTDOWN", ...; "UNKNOWN" for a number KVM does not define. */
const char *exit_reason_name(uint32_t reason);
/* KVM_EXIT_INTERNAL_ERROR suberrors: "EMULATION", "SIMUL_EX", ... */
const char *internal_error_name(uint32_t suberror);
/* KVM_EXIT_FAIL_ENTRY's hardware reason, decoded as this host's CPU
 * vendor defines it (a VMX exit reason or an SVM exit code). */
const char *fail_entry_name(uint64_t hw_reason);

/* Fill `e` from the exit KVM just reported in `run`. */
void exit_decode(const struct kvm_run *run, uint64_t seq, uint64_t rip,
		 struct exit_info *e);

/*
 * Whether one element of the port I/O exit in `run` fits the uint64_t that
 * exit_info.data and the buses carry.  KVM reports 1, 2 or 4 bytes; a
 * larger io.size means a corrupt kvm_run, whose data must not be copied.
 */
bool exit_io_size_ok(const struct kvm_run *run);

/*
 * One human line: "IO out port 0x3f8 size 1 data 0x48 'H'",
 * "MMIO write 0xd0000000 len 4 data 0x1", "HLT".  Returns snprintf's value.
 */
int exit_describe(const struct exit_info *e, char *buf, size_t len);

/*
 * An exit's details without its reason, for the viewer's exit log:
 *   IO    "out port 0x3f8 size 1 data 0x48 'H'", "in  port 0x60 size 1
 *         data 0xff", "... count 3" for REP INS/OUTS
 *   MMIO  "write 0xd0000000 len 4 data 0x1", "read 0xd0000008 ..."
 *   FAIL_ENTRY "hardware reason 0x21 (invalid guest state)"
 *   INTERNAL_ERROR "suberror 1 (EMULATION)", SYSTEM_EVENT "type 2"
 * and "" for exits with nothing more to say (HLT, SHUTDOWN).  Data is the
 * first element: for IN and MMIO reads, what the device answered (where
 * exit_describe() speaks of the instruction, before any answer).
 * Returns `buf`.
 */
const char *exit_details(const struct exit_info *e, char *buf, size_t len);

/* One JSON object, no newline: the --trace format documented in README.md. */
int exit_json(const struct exit_info *e, char *buf, size_t len);

#endif
