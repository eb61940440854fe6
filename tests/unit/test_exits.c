/* SPDX-License-Identifier: MIT */
/* Unit tests: exit-reason names, decoding, descriptions, JSON, the exit
 * log and record, the run loop's I/O bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/failentry.h"
#include "kvmlab/exits/record.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every reason <linux/kvm.h> defines has its own name. */
static void test_reason_names(void **state)
{
	static const struct {
		uint32_t reason;
		const char *name;
	} cases[] = {
	    {KVM_EXIT_UNKNOWN, "UNKNOWN"},
	    {KVM_EXIT_EXCEPTION, "EXCEPTION"},
	    {KVM_EXIT_IO, "IO"},
	    {KVM_EXIT_HYPERCALL, "HYPERCALL"},
	    {KVM_EXIT_DEBUG, "DEBUG"},
	    {KVM_EXIT_HLT, "HLT"},
	    {KVM_EXIT_MMIO, "MMIO"},
	    {KVM_EXIT_IRQ_WINDOW_OPEN, "IRQ_WINDOW_OPEN"},
	    {KVM_EXIT_SHUTDOWN, "SHUTDOWN"},
	    {KVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY"},
	    {KVM_EXIT_INTR, "INTR"},
	    {KVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR"},
	    {KVM_EXIT_SYSTEM_EVENT, "SYSTEM_EVENT"},
	    {KVM_EXIT_X86_RDMSR, "X86_RDMSR"},
	    {KVM_EXIT_NOTIFY, "NOTIFY"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(exit_reason_name(cases[i].reason),
				    cases[i].name);
	/* Names are unique for 1..KVM_EXIT_NOTIFY. */
	for (uint32_t a = 1; a <= KVM_EXIT_NOTIFY; a++)
		for (uint32_t b = a + 1; b <= KVM_EXIT_NOTIFY; b++)
			assert_string_not_equal(exit_reason_name(a),
						exit_reason_name(b));
	assert_string_equal(exit_reason_name(9999), "UNKNOWN");
	assert_string_equal(internal_error_name(KVM_INTERNAL_ERROR_EMULATION),
			    "EMULATION");
	assert_string_equal(internal_error_name(KVM_INTERNAL_ERROR_SIMUL_EX),
			    "SIMUL_EX");
	assert_string_equal(internal_error_name(77), "UNKNOWN");
	/* The host's vendor picks the decoder. */
	assert_string_equal(fail_entry_name(33),
			    fail_entry_name_for(33, host_cpu_vendor()));
}

/* The hardware reason of FAIL_ENTRY: a VMX exit reason on Intel, an SVM
 * exit code on AMD, by the CPUID vendor string. */
static void test_fail_entry_vendors(void **state)
{
	char buf[160];

	(void)state;
	assert_int_equal(cpu_vendor_of("GenuineIntel"), CPU_VENDOR_INTEL);
	assert_int_equal(cpu_vendor_of("AuthenticAMD"), CPU_VENDOR_AMD);
	assert_int_equal(cpu_vendor_of("HygonGenuine"), CPU_VENDOR_AMD);
	assert_int_equal(cpu_vendor_of("CentaurHauls"), CPU_VENDOR_OTHER);
	assert_int_not_equal(host_cpu_vendor(), -1);

	/* VMX: basic exit reason 33 with bit 31 (entry failure) set. */
	assert_string_equal(fail_entry_name_for(33, CPU_VENDOR_INTEL),
			    "invalid guest state");
	assert_string_equal(fail_entry_name_for(0x80000021, CPU_VENDOR_INTEL),
			    "invalid guest state");
	assert_string_equal(fail_entry_name_for(0x80000022, CPU_VENDOR_INTEL),
			    "MSR loading");
	fail_entry_describe(0x80000021, CPU_VENDOR_INTEL, buf, sizeof(buf));
	assert_string_equal(buf, "VMX exit reason 33 (invalid guest state)");
	fail_entry_describe(7, CPU_VENDOR_INTEL, buf, sizeof(buf));
	assert_string_equal(buf, "VMX VM-instruction error 7: invalid control "
				 "fields");

	/* SVM: VMEXIT_INVALID is -1 as a 64-bit code. */
	assert_string_equal(
	    fail_entry_name_for(UINT64_MAX, CPU_VENDOR_AMD),
	    "VMEXIT_INVALID: the VMCB's guest state is invalid");
	fail_entry_describe(UINT64_MAX, CPU_VENDOR_AMD, buf, sizeof(buf));
	assert_string_equal(buf, "SVM exit code 0xffffffffffffffff "
				 "(VMEXIT_INVALID: the VMCB's guest state is "
				 "invalid)");
	/* 33 is no entry failure on AMD (it is a CR1 write intercept). */
	assert_string_equal(fail_entry_name_for(33, CPU_VENDOR_AMD),
			    "not decoded");
	fail_entry_describe(0x21, CPU_VENDOR_OTHER, buf, sizeof(buf));
	assert_string_equal(buf, "hardware reason 0x21 (not decoded: the CPU "
				 "is neither Intel nor AMD)");
}

/* A kvm_run page with room for the IO data area behind it. */
static struct kvm_run *fake_run(void)
{
	struct kvm_run *run = calloc(1, 8192);

	assert_non_null(run);
	return run;
}

static void test_decode_io_out(void **state)
{
	struct kvm_run *run = fake_run();
	struct exit_info e;
	char buf[128];

	(void)state;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x3f8;
	run->io.count = 1;
	run->io.data_offset = 4096;
	((uint8_t *)run)[4096] = 'H';
	exit_decode(run, 7, 0x1005, &e);
	assert_int_equal(e.seq, 7);
	assert_int_equal(e.reason, KVM_EXIT_IO);
	assert_int_equal(e.port, 0x3f8);
	assert_int_equal(e.size, 1);
	assert_true(e.out);
	assert_int_equal(e.data, 'H');
	assert_int_equal(e.rip, 0x1005);
	exit_describe(&e, buf, sizeof(buf));
	assert_string_equal(buf, "IO out port 0x3f8 size 1 data 0x48 'H'");
	exit_json(&e, buf, sizeof(buf));
	assert_string_equal(buf, "{\"seq\":7,\"reason\":\"IO\",\"dir\":\"out\","
				 "\"port\":1016,\"size\":1,\"count\":1,"
				 "\"data\":72,\"rip\":4101}");
	free(run);
}

static void test_decode_io_in_and_wide(void **state)
{
	struct kvm_run *run = fake_run();
	struct exit_info e;
	char buf[128];

	(void)state;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 2;
	run->io.port = 0x71;
	run->io.count = 1;
	run->io.data_offset = 4096;
	exit_decode(run, 1, 0, &e);
	assert_false(e.out);
	assert_int_equal(e.data, 0); /* unknown until the device answers */
	exit_describe(&e, buf, sizeof(buf));
	assert_string_equal(buf, "IO in  port 0x71 size 2");
	exit_json(&e, buf, sizeof(buf));
	assert_null(strstr(buf, "\"data\""));
	/* Once the device answered (the run loop sets it), the trace has it. */
	e.data = 0x60;
	e.answered = true;
	exit_json(&e, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"count\":1,\"data\":96,"));

	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 4;
	memcpy((uint8_t *)run + 4096, &(uint32_t){0xdeadbeef}, 4);
	exit_decode(run, 2, 0, &e);
	assert_int_equal(e.data, 0xdeadbeef);
	exit_describe(&e, buf, sizeof(buf));
	assert_string_equal(buf, "IO out port 0x71 size 4 data 0xdeadbeef");
	free(run);
}

static void test_decode_mmio_and_faults(void **state)
{
	struct kvm_run *run = fake_run();
	struct exit_info e;
	char buf[160], want[160];

	(void)state;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xd0000000;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, &(uint32_t){0x1234}, 4);
	exit_decode(run, 3, 0x100000, &e);
	assert_int_equal(e.addr, 0xd0000000);
	assert_int_equal(e.len, 4);
	assert_true(e.write);
	assert_int_equal(e.data, 0x1234);
	exit_describe(&e, buf, sizeof(buf));
	assert_string_equal(buf, "MMIO write 0xd0000000 len 4 data 0x1234");
	exit_json(&e, buf, sizeof(buf));
	assert_string_equal(buf, "{\"seq\":3,\"reason\":\"MMIO\",\"dir\":"
				 "\"write\",\"addr\":3489660928,\"len\":4,"
				 "\"data\":4660,\"rip\":1048576}");

	memset(run, 0, sizeof(*run));
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 33;
	exit_decode(run, 4, 0, &e);
	exit_describe(&e, buf, sizeof(buf));
	snprintf(want, sizeof(want), "FAIL_ENTRY hardware reason 0x21 (%s)",
		 fail_entry_name_for(33, host_cpu_vendor()));
	assert_string_equal(buf, want);

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	exit_decode(run, 5, 0, &e);
	exit_describe(&e, buf, sizeof(buf));
	assert_string_equal(buf, "INTERNAL_ERROR suberror 1 (EMULATION)");

	run->exit_reason = KVM_EXIT_SHUTDOWN;
	exit_decode(run, 6, 0xfff0, &e);
	exit_json(&e, buf, sizeof(buf));
	assert_string_equal(
	    buf, "{\"seq\":6,\"reason\":\"SHUTDOWN\",\"rip\":65520}");
	free(run);
}

/* A too-small buffer truncates but never overflows. */
static void test_json_truncates(void **state)
{
	struct exit_info e = {.seq = 1, .reason = KVM_EXIT_HLT, .rip = 1};
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	int n = exit_json(&e, buf, 10);
	assert_true(n > 10);
	assert_int_equal(buf[9], '\0');
	assert_int_equal(buf[10], 'x');
}

/* The log keeps the newest EXIT_LOG_SIZE exits, oldest first. */
static void test_log(void **state)
{
	static struct exit_log l;
	struct exit_info e = {0};
	const uint64_t n = EXIT_LOG_SIZE + 40;

	(void)state;
	assert_int_equal(exit_log_count(&l), 0);
	assert_null(exit_log_get(&l, 0));
	assert_null(exit_log_newest(&l));
	for (uint64_t i = 1; i <= n; i++) {
		e.seq = i;
		exit_log_add(&l, &e);
	}
	assert_int_equal(exit_log_count(&l), EXIT_LOG_SIZE);
	assert_int_equal(exit_log_get(&l, 0)->seq, n - EXIT_LOG_SIZE + 1);
	assert_int_equal(exit_log_get(&l, EXIT_LOG_SIZE - 1)->seq, n);
	assert_null(exit_log_get(&l, EXIT_LOG_SIZE));
	assert_int_equal(exit_log_newest(&l)->seq, n);
}

/* A fault report prints the newest few, oldest first. */
static void test_log_print(void **state)
{
	static struct exit_log l;
	struct exit_info e = {.reason = KVM_EXIT_HLT};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	exit_log_print(&l, 2, f);
	fflush(f);
	assert_non_null(strstr(text, "(no exits before this one)"));
	for (uint64_t i = 1; i <= 5; i++) {
		e.seq = i;
		exit_log_add(&l, &e);
	}
	rewind(f);
	exit_log_print(&l, 2, f);
	fclose(f);
	assert_null(strstr(text, "#3 "));
	assert_non_null(strstr(text, "#4 "));
	assert_non_null(strstr(text, "#5 "));
	assert_true(strstr(text, "#4 ") < strstr(text, "#5 "));
	free(text);
}

/* One call gives an exit to the log, the statistics and the trace. */
static void test_record(void **state)
{
	struct exit_record *r = calloc(1, sizeof(*r));
	struct exit_info e = {.seq = 1,
			      .reason = KVM_EXIT_IO,
			      .port = 0x3f8,
			      .size = 1,
			      .out = true,
			      .count = 1};

	(void)state;
	assert_non_null(r);
	exit_record_add(r, &e);
	e.seq = 2;
	e.reason = KVM_EXIT_HLT;
	exit_record_add(r, &e);
	assert_int_equal(exit_record_count(r), 2);
	assert_int_equal(exit_log_newest(&r->log)->reason, KVM_EXIT_HLT);
	assert_int_equal(r->stats.total, 2);
	assert_int_equal(r->stats.by_reason[KVM_EXIT_IO], 1);
	assert_int_equal(r->stats.by_reason[KVM_EXIT_HLT], 1);
	free(r);
}

/* A port that answers every read with the same eight bytes. */
static void answer_port(void *opaque, struct bus_access *a)
{
	(void)opaque;
	if (!a->write)
		a->value = 0x1122334455667788ull;
}

/*
 * The run loop copies each I/O element through a uint64_t.  An io.size
 * larger than that (no KVM reports one, a corrupt kvm_run could) must
 * leave the element alone: not copied in, not answered, not written back.
 */
static void test_run_loop_io_size(void **state)
{
	struct kvm kvm = {.fd = -1, .vcpu_mmap_size = 8192};
	struct vm vm = {.kvm = &kvm, .fd = -1};
	struct bus pio, mmio;
	struct vcpu v = {.vm = &vm, .fd = -1, .sync_regs = true};
	uint8_t *data, want[16];
	struct exit_info e;

	(void)state;
	log_level = LOG_QUIET;
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	assert_int_equal(
	    bus_register(&pio, "answer", 0x71, 1, answer_port, NULL), 0);
	v.pio = &pio;
	v.mmio = &mmio;
	v.run = fake_run();
	data = (uint8_t *)v.run + 4096;
	v.run->exit_reason = KVM_EXIT_IO;
	v.run->io.direction = KVM_EXIT_IO_IN;
	v.run->io.port = 0x71;
	v.run->io.count = 1;
	v.run->io.data_offset = 4096;

	/* A 1-byte IN reaches the device and its answer lands in the page. */
	v.run->io.size = 1;
	assert_int_equal(vcpu_handle_exit(&v, &e), VCPU_CONTINUE);
	assert_true(e.answered);
	assert_int_equal(data[0], 0x88);

	/* 16 bytes: IN is left unanswered, the page untouched. */
	memset(want, 0x5a, sizeof(want));
	memcpy(data, want, sizeof(want));
	v.run->io.size = sizeof(want);
	assert_int_equal(vcpu_handle_exit(&v, &e), VCPU_CONTINUE);
	assert_false(e.answered);
	assert_memory_equal(data, want, sizeof(want));

	/* OUT: nothing is copied in from the page either. */
	v.run->io.direction = KVM_EXIT_IO_OUT;
	assert_int_equal(vcpu_handle_exit(&v, &e), VCPU_CONTINUE);
	assert_int_equal(e.data, 0);
	assert_int_equal(v.exits, 3);
	free(v.run);
}

static void test_details(void **state)
{
	static const struct {
		struct exit_info e;
		const char *want;
	} cases[] = {
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 1,
	      .data = 'H'},
	     "out port 0x3f8 size 1 data 0x48 'H'"},
	    /* Not printable: no character. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 1,
	      .data = '\n'},
	     "out port 0x3f8 size 1 data 0xa"},
	    /* IN: the data is what the device answered. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3fd,
	      .size = 1,
	      .count = 1,
	      .data = 0x60},
	     "in  port 0x3fd size 1 data 0x60 '`'"},
	    /* Wider than a byte: a number, never a character. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0xf4,
	      .size = 2,
	      .out = true,
	      .count = 1,
	      .data = 0x41},
	     "out port 0xf4 size 2 data 0x41"},
	    /* REP OUTSB: the first element and the count. */
	    {{.reason = KVM_EXIT_IO,
	      .port = 0x3f8,
	      .size = 1,
	      .out = true,
	      .count = 3,
	      .data = 'a'},
	     "out port 0x3f8 size 1 data 0x61 'a' count 3"},
	    {{.reason = KVM_EXIT_MMIO,
	      .addr = 0xd0000000,
	      .len = 4,
	      .write = true,
	      .data = 1},
	     "write 0xd0000000 len 4 data 0x1"},
	    {{.reason = KVM_EXIT_MMIO,
	      .addr = 0xd0000008,
	      .len = 8,
	      .data = 0x0123456789abcdefull},
	     "read 0xd0000008 len 8 data 0x123456789abcdef"},
	    {{.reason = KVM_EXIT_HLT}, ""},
	    {{.reason = KVM_EXIT_SHUTDOWN}, ""},
	    /* VMX basic exit reason 33 (SDM Vol. 3C, Appendix C). */
	    /* Its name depends on the host's CPU vendor: checked below. */
	    {{.reason = KVM_EXIT_FAIL_ENTRY, .code = 33}, NULL},
	    {{.reason = KVM_EXIT_INTERNAL_ERROR,
	      .code = KVM_INTERNAL_ERROR_EMULATION},
	     "suberror 1 (EMULATION)"},
	    {{.reason = KVM_EXIT_SYSTEM_EVENT, .code = 2}, "type 2"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char buf[96], want[96];

		/* A VMX exit reason on Intel, an SVM exit code on AMD. */
		if (!cases[i].want)
			snprintf(want, sizeof(want),
				 "hardware reason 0x21 (%s)",
				 fail_entry_name_for(33, host_cpu_vendor()));
		else
			snprintf(want, sizeof(want), "%s", cases[i].want);
		print_message("  %s\n", want);
		assert_ptr_equal(exit_details(&cases[i].e, buf, sizeof(buf)),
				 buf);
		assert_string_equal(buf, want);
	}
}

/*
 * A vCPU without an MMIO bus (chapter 1's, under the viewer) ends the run
 * at an MMIO exit as an unhandled exit, as chapter 1's own loop does: a
 * fault, recorded, never a dispatch to a bus that is not there.
 */
static void test_run_loop_no_bus(void **state)
{
	struct kvm kvm = {.fd = -1, .vcpu_mmap_size = 8192};
	struct vm vm = {.kvm = &kvm, .fd = -1};
	struct exit_record *rec = calloc(1, sizeof(*rec));
	struct vcpu v = {.vm = &vm, .fd = -1, .sync_regs = true, .rec = rec};
	struct exit_info e;

	(void)state;
	log_level = LOG_QUIET;
	assert_non_null(rec);
	rec->quiet_faults = true;
	v.run = fake_run();
	v.run->exit_reason = KVM_EXIT_MMIO;
	v.run->mmio.phys_addr = 0xd0000000;
	v.run->mmio.len = 4;
	assert_int_equal(vcpu_handle_exit(&v, &e), ABI_STATUS_FAULT);
	assert_int_equal(v.exits, 1);
	assert_int_equal(exit_record_count(rec), 1);
	assert_int_equal(exit_log_newest(&rec->log)->reason, KVM_EXIT_MMIO);
	/* The same for port I/O with neither a bus nor an io_exit hook. */
	v.run->exit_reason = KVM_EXIT_IO;
	v.run->io.size = 1;
	v.run->io.count = 1;
	v.run->io.data_offset = 4096;
	assert_int_equal(vcpu_handle_exit(&v, &e), ABI_STATUS_FAULT);
	assert_int_equal(exit_record_count(rec), 2);
	free(v.run);
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reason_names),
	    cmocka_unit_test(test_fail_entry_vendors),
	    cmocka_unit_test(test_decode_io_out),
	    cmocka_unit_test(test_decode_io_in_and_wide),
	    cmocka_unit_test(test_decode_mmio_and_faults),
	    cmocka_unit_test(test_json_truncates),
	    cmocka_unit_test(test_details),
	    cmocka_unit_test(test_log),
	    cmocka_unit_test(test_log_print),
	    cmocka_unit_test(test_record),
	    cmocka_unit_test(test_run_loop_io_size),
	    cmocka_unit_test(test_run_loop_no_bus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
