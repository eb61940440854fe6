/* SPDX-License-Identifier: MIT */
/*
 * test_ch01: the graded tests of chapter 1's exercises.
 *
 * Chapter 1's VMM is one file of static functions, so this program
 * includes it and calls them directly.  Each test gives the function under
 * test everything else from the library (kvm_open, vm_create, vcpu_create,
 * boot_real), never from another exercise: a missing exercise costs its
 * own points and no others.
 */
#define main ch01_main
int ch01_main(int argc, char **argv);
#include "../../chapters/01-real-mode/main.c"
#undef main

#include <stdlib.h>

#include "../lib/grade.h"
#include "kvmlab/kvm/vm.h"
#include "kvmlab/machine/boot.h"

/* The library's VM, vCPU and device: what the test does not check. */
struct harness {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
};

static void harness_vm(struct harness *h, struct machine *m, uint64_t ram)
{
	grade_need_kvm();
	memset(h, 0, sizeof(*h));
	h->vm.fd = h->cpu.fd = -1;
	check(kvm_open(&h->kvm) == 0, "the test could not open KVM");
	check(vm_create(&h->vm, &h->kvm, ram) == 0,
	      "the test could not create a VM");
	*m = (struct machine){
	    .kvm = h->kvm.fd, .vm = h->vm.fd, .vcpu = -1, .mem = h->vm.mem};
}

static void harness_vcpu(struct harness *h, struct machine *m)
{
	check(vcpu_create(&h->cpu, &h->vm, 0) == 0,
	      "the test could not create a vCPU");
	m->vcpu = h->cpu.fd;
	m->run = h->cpu.run;
	m->run_size = h->kvm.vcpu_mmap_size;
}

static void harness_free(struct harness *h)
{
	vcpu_destroy(&h->cpu);
	vm_destroy(&h->vm);
	kvm_close(&h->kvm);
}

/* Run until the guest writes the debug-exit port; return the byte. */
static int run_to_port(int vcpu, struct kvm_run *run, const char *who)
{
	for (int exits = 0; exits < 100; exits++) {
		check(ioctl(vcpu, KVM_RUN, 0) == 0, "KVM_RUN failed: %s",
		      strerror(errno));
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.port == ABI_PORT_DEBUG_EXIT)
			return ((uint8_t *)run + run->io.data_offset)[0];
		check(run->exit_reason == KVM_EXIT_IO,
		      "%s: the guest stopped with exit %s, not an OUT to port "
		      "0xf4",
		      who, exit_reason_name(run->exit_reason));
	}
	fail_msg("%s: the guest never wrote port 0xf4", who);
	return -1;
}

/* A real-mode program: copy it to 0x1000, where the guest starts. */
static void put_code(struct guest_mem *mem, const uint8_t *code, size_t n)
{
	memcpy(mem->host + ABI_REAL_LOAD, code, n);
}

/* ---- ch01-create-vm ------------------------------------------------- */

static void create_vm_fd(void **state)
{
	struct machine m = {.vm = -1, .vcpu = -1};
	struct kvm kvm;
	int vcpu;

	(void)state;
	grade_need_kvm();
	check(kvm_open(&kvm) == 0, "the test could not open KVM");
	m.kvm = kvm.fd;
	check(create_vm(&m, 2 << 20) == 0, "create_vm() did not return 0");
	check(m.vm >= 0 && m.vm != m.kvm,
	      "m->vm = %d: expected the new VM's file descriptor", m.vm);
	vcpu = ioctl(m.vm, KVM_CREATE_VCPU, 0);
	check(vcpu >= 0, "KVM_CREATE_VCPU on m->vm failed: is it a VM fd?");
	close(vcpu);
}

static void create_vm_ram(void **state)
{
	struct machine m = {.vm = -1, .vcpu = -1};
	struct kvm kvm;
	const uint64_t size = 4 << 20;

	(void)state;
	grade_need_kvm();
	check(kvm_open(&kvm) == 0, "the test could not open KVM");
	m.kvm = kvm.fd;
	check(create_vm(&m, size) == 0, "create_vm() did not return 0");
	check(m.mem.host && m.mem.host != MAP_FAILED,
	      "m->mem.host is not a mapping");
	check(m.mem.size == size, "m->mem.size = %llu, asked for %llu",
	      (unsigned long long)m.mem.size, (unsigned long long)size);
	m.mem.host[0] = 1; /* both ends are ours to write */
	m.mem.host[size - 1] = 1;
}

/* The guest's physical memory must be m->mem.host: both ways. */
static void create_vm_slot(void **state)
{
	static const uint8_t code[] = {
	    0xc6, 0x06, 0x00, 0x30, 0x77, /* movb $0x77, 0x3000 */
	    0xa0, 0x00, 0x20,		  /* mov 0x2000, %al */
	    0xe6, 0xf4,			  /* out %al, $0xf4 */
	    0xf4,			  /* hlt */
	};
	struct machine m = {.vm = -1, .vcpu = -1};
	struct harness h;
	int got;

	(void)state;
	grade_need_kvm();
	memset(&h, 0, sizeof(h));
	check(kvm_open(&h.kvm) == 0, "the test could not open KVM");
	m.kvm = h.kvm.fd;
	check(create_vm(&m, 2 << 20) == 0, "create_vm() did not return 0");
	/* The library's vCPU on the student's VM. */
	h.vm = (struct vm){.kvm = &h.kvm, .fd = m.vm, .mem = m.mem};
	harness_vcpu(&h, &m);
	check(boot_real(&h.cpu, ABI_REAL_LOAD) == 0, "boot_real failed");
	put_code(&m.mem, code, sizeof(code));
	m.mem.host[0x2000] = 0x5a;
	got = run_to_port(m.vcpu, m.run, "guest RAM");
	check(got == 0x5a,
	      "the guest read 0x%02x at 0x2000, the VMM wrote 0x5a there: "
	      "is slot 0 at guest-physical 0 backed by m->mem.host?",
	      got);
	check(m.mem.host[0x3000] == 0x77,
	      "the guest wrote 0x77 to 0x3000 but m->mem.host[0x3000] is "
	      "0x%02x",
	      m.mem.host[0x3000]);
}

static void create_vm_no_kvm(void **state)
{
	struct machine m = {.kvm = -1, .vm = -1, .vcpu = -1};
	int r;

	(void)state;
	r = create_vm(&m, 2 << 20);
	check(r == ABI_STATUS_NO_KVM,
	      "create_vm() with a bad KVM fd returned %d, expected %d "
	      "(ABI_STATUS_NO_KVM, from ioctl_failed())",
	      r, ABI_STATUS_NO_KVM);
}

/* ---- ch01-create-vcpu ------------------------------------------------ */

static void create_vcpu_fd(void **state)
{
	struct machine m;
	struct harness h;
	struct kvm_regs regs;

	(void)state;
	harness_vm(&h, &m, 2 << 20);
	check(create_vcpu(&m) == 0, "create_vcpu() did not return 0");
	check(m.vcpu >= 0, "m->vcpu = %d: expected the vCPU's fd", m.vcpu);
	check(ioctl(m.vcpu, KVM_GET_REGS, &regs) == 0,
	      "KVM_GET_REGS on m->vcpu failed: is it a vCPU fd?");
	harness_free(&h);
}

/* KVM must report the exit in the mapping create_vcpu() made. */
static void create_vcpu_run(void **state)
{
	static const uint8_t code[] = {
	    0xb0, 0x42, /* mov $0x42, %al */
	    0xe6, 0xf4, /* out %al, $0xf4 */
	    0xf4,	/* hlt */
	};
	struct machine m;
	struct harness h;
	struct vcpu c;
	int size;

	(void)state;
	harness_vm(&h, &m, 2 << 20);
	check(create_vcpu(&m) == 0, "create_vcpu() did not return 0");
	size = ioctl(m.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	check(m.run_size == size, "m->run_size = %d, KVM says %d", m.run_size,
	      size);
	check(m.run && m.run != MAP_FAILED, "m->run is not a mapping");
	c = (struct vcpu){.vm = &h.vm, .fd = m.vcpu};
	check(boot_real(&c, ABI_REAL_LOAD) == 0, "boot_real failed");
	put_code(&m.mem, code, sizeof(code));
	check(run_to_port(m.vcpu, m.run, "m->run") == 0x42,
	      "m->run holds the wrong data for the OUT");
	harness_free(&h);
}

static void create_vcpu_no_vm(void **state)
{
	struct machine m;
	struct harness h;
	int r;

	(void)state;
	harness_vm(&h, &m, 2 << 20);
	m.vm = -1;
	r = create_vcpu(&m);
	check(r == ABI_STATUS_NO_KVM,
	      "create_vcpu() with a bad VM fd returned %d, expected %d "
	      "(ABI_STATUS_NO_KVM, from ioctl_failed())",
	      r, ABI_STATUS_NO_KVM);
	harness_free(&h);
}

/* ---- ch01-real-mode --------------------------------------------------- */

static void real_mode_setup(struct harness *h, struct machine *m)
{
	harness_vm(h, m, 2 << 20);
	harness_vcpu(h, m);
	check(enter_real_mode(m->vcpu) == 0,
	      "enter_real_mode() did not return 0");
}

static void real_mode_segments(void **state)
{
	struct machine m;
	struct harness h;
	struct kvm_sregs s;

	(void)state;
	real_mode_setup(&h, &m);
	check(ioctl(m.vcpu, KVM_GET_SREGS, &s) == 0, "KVM_GET_SREGS failed");
	check(s.cs.selector == 0 && s.cs.base == 0,
	      "CS is selector 0x%x base 0x%llx, expected 0 and 0",
	      s.cs.selector, (unsigned long long)s.cs.base);
	check(s.ds.base == 0 && s.es.base == 0 && s.ss.base == 0,
	      "DS, ES and SS must have base 0 (got 0x%llx 0x%llx 0x%llx)",
	      (unsigned long long)s.ds.base, (unsigned long long)s.es.base,
	      (unsigned long long)s.ss.base);
	check(!(s.cr0 & 1), "CR0.PE is set: real mode has it clear");
	harness_free(&h);
}

static void real_mode_registers(void **state)
{
	struct machine m;
	struct harness h;
	struct kvm_regs r;

	(void)state;
	real_mode_setup(&h, &m);
	check(ioctl(m.vcpu, KVM_GET_REGS, &r) == 0, "KVM_GET_REGS failed");
	check(r.rip == ABI_REAL_LOAD, "RIP = 0x%llx, expected 0x%x",
	      (unsigned long long)r.rip, ABI_REAL_LOAD);
	check(r.rsp == ABI_REAL_STACK, "RSP = 0x%llx, expected 0x%x",
	      (unsigned long long)r.rsp, ABI_REAL_STACK);
	check(r.rflags == 0x2, "RFLAGS = 0x%llx, expected 0x2 (bit 1 only)",
	      (unsigned long long)r.rflags);
	harness_free(&h);
}

/* Code, data and stack all land where real mode with base 0 puts them. */
static void real_mode_runs(void **state)
{
	static const uint8_t code[] = {
	    0xa0, 0x00, 0x20, /* mov 0x2000, %al */
	    0xe6, 0xf4,	      /* out %al, $0xf4 */
	    0x6a, 0x33,	      /* push $0x33 */
	    0x58,	      /* pop %ax */
	    0xe6, 0xf4,	      /* out %al, $0xf4 */
	    0xf4,	      /* hlt */
	};
	struct machine m;
	struct harness h;
	int got;

	(void)state;
	real_mode_setup(&h, &m);
	put_code(&m.mem, code, sizeof(code));
	m.mem.host[0x2000] = 0x5a;
	got = run_to_port(m.vcpu, m.run, "first OUT");
	check(got == 0x5a, "the guest read 0x%02x from DS:0x2000, not 0x5a",
	      got);
	got = run_to_port(m.vcpu, m.run, "second OUT");
	check(got == 0x33, "push/pop gave 0x%02x, not 0x33", got);
	check(m.mem.host[ABI_REAL_STACK - 2] == 0x33,
	      "the push did not land just below 0x%x: SS or SP is wrong",
	      ABI_REAL_STACK);
	harness_free(&h);
}

/* ---- ch01-io-exit ------------------------------------------------------ */

/* A kvm_run as KVM fills it for one port access, data at offset 1024. */
static struct kvm_run *fake_io(uint8_t *page, int dir, uint16_t port,
			       uint8_t size, uint32_t count, const void *data)
{
	struct kvm_run *run = (struct kvm_run *)page;

	memset(page, 0, 4096);
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = dir;
	run->io.port = port;
	run->io.size = size;
	run->io.count = count;
	run->io.data_offset = 1024;
	if (data)
		memcpy(page + 1024, data, (size_t)size * count);
	return run;
}

/* Call handle_io() with a console we can read back. */
static int io(struct kvm_run *run, char *out, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int r;

	check(f != NULL, "open_memstream failed");
	r = handle_io(run, 0x1000, f);
	fclose(f);
	snprintf(out, len, "%s", buf ? buf : "");
	free(buf);
	return r;
}

static void io_console_byte(void **state)
{
	uint8_t page[4096] __attribute__((aligned(64)));
	char out[64];
	int r;

	(void)state;
	r = io(fake_io(page, KVM_EXIT_IO_OUT, ABI_PORT_COM1, 1, 1, "H"), out,
	       sizeof(out));
	check(!strcmp(out, "H"), "OUT 'H' to 0x3f8 printed \"%s\"", out);
	check(r < 0,
	      "handle_io() returned %d after a console byte: the "
	      "guest must run on (return -1)",
	      r);
}

static void io_rep_outs(void **state)
{
	uint8_t page[4096] __attribute__((aligned(64)));
	char out[64];

	(void)state;
	io(fake_io(page, KVM_EXIT_IO_OUT, ABI_PORT_COM1, 1, 5, "Hello"), out,
	   sizeof(out));
	check(!strcmp(out, "Hello"),
	      "REP OUTSB of \"Hello\" (count 5) printed \"%s\"", out);
}

static void io_debug_exit(void **state)
{
	uint8_t page[4096] __attribute__((aligned(64)));
	uint8_t status = 3;
	char out[64];
	int r;

	(void)state;
	r = io(
	    fake_io(page, KVM_EXIT_IO_OUT, ABI_PORT_DEBUG_EXIT, 1, 1, &status),
	    out, sizeof(out));
	check(r == 3, "OUT 3 to port 0xf4 returned %d, expected 3", r);
	check(!out[0], "port 0xf4 printed \"%s\" on the console", out);
}

static void io_unhandled(void **state)
{
	uint8_t page[4096] __attribute__((aligned(64)));
	char out[64];
	int r;

	(void)state;
	r = io(fake_io(page, KVM_EXIT_IO_IN, 0x60, 1, 1, NULL), out,
	       sizeof(out));
	check(r < 0, "IN from port 0x60 returned %d: the guest must run on", r);
	check(page[1024] == 0xff,
	      "IN from a port nobody emulates read 0x%02x, expected 0xff",
	      page[1024]);
	r = io(fake_io(page, KVM_EXIT_IO_OUT, 0x80, 1, 1, "x"), out,
	       sizeof(out));
	check(r < 0 && !out[0],
	      "OUT to port 0x80 returned %d and printed \"%s\": ignore it and "
	      "run on",
	      r, out);
}

/* The chapter's own guest, with everything but handle_io() the library's. */
static void io_guest_greeting(void **state)
{
	struct machine m;
	struct harness h;
	struct guest_image img = {0};
	char *buf = NULL;
	size_t n = 0;
	FILE *con;
	int r = -1;

	(void)state;
	harness_vm(&h, &m, 2 << 20);
	harness_vcpu(&h, &m);
	check(load_guest_file(&m.mem, grade_guest("ch01.bin"), ABI_REAL_LOAD, 0,
			      &img) == 0,
	      "cannot load %s", grade_guest("ch01.bin"));
	check(boot_real(&h.cpu, ABI_REAL_LOAD) == 0, "boot_real failed");
	con = open_memstream(&buf, &n);
	for (int exits = 0; r < 0 && exits < 1000; exits++) {
		check(ioctl(m.vcpu, KVM_RUN, 0) == 0, "KVM_RUN failed");
		if (m.run->exit_reason == KVM_EXIT_HLT)
			break;
		check(m.run->exit_reason == KVM_EXIT_IO, "unexpected exit %s",
		      exit_reason_name(m.run->exit_reason));
		r = handle_io(m.run, 0, con);
	}
	fclose(con);
	check(buf && !strcmp(buf, "Hello from real mode!\n"),
	      "the console shows \"%s\", not the greeting", buf ? buf : "");
	free(buf);
	image_free(&img);
	harness_free(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_vm_fd),
	    cmocka_unit_test(create_vm_ram),
	    cmocka_unit_test(create_vm_slot),
	    cmocka_unit_test(create_vm_no_kvm),
	    cmocka_unit_test(create_vcpu_fd),
	    cmocka_unit_test(create_vcpu_run),
	    cmocka_unit_test(create_vcpu_no_vm),
	    cmocka_unit_test(real_mode_segments),
	    cmocka_unit_test(real_mode_registers),
	    cmocka_unit_test(real_mode_runs),
	    cmocka_unit_test(io_console_byte),
	    cmocka_unit_test(io_rep_outs),
	    cmocka_unit_test(io_debug_exit),
	    cmocka_unit_test(io_unhandled),
	    cmocka_unit_test(io_guest_greeting),
	};

	return GRADE_MAIN("chapter 1", tests);
}
