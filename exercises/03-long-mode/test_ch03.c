/* SPDX-License-Identifier: MIT */
/*
 * test_ch03: the graded unit tests of chapter 3's VMM exercises:
 * pt_map() building tables (ch03-map-page, kvmlab/x86/paging.c), and
 * the vCPU's long mode as KVM takes it (ch03-long-mode-cpu):
 * vcpu_set_cpuid() in kvmlab/kvm/vcpu.c and modes_long_regs() in
 * kvmlab/x86/modes.c.
 *
 * The map tests need no KVM: guest RAM is a buffer here, and they read
 * the tables back with the small walker below, never with pt_walk().
 * The long-mode tests ask KVM itself: the CPUID the guest sees, the
 * table the vCPU holds, and 64-bit code run in the registers
 * modes_long_regs() computed, on tables and segments the test wrote
 * from constants (never pt_map() or chapter 2's exercises).  Each
 * exercise is graded on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/grade.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/x86/modes.h"
#include "kvmlab/x86/paging.h"
#include "kvmlab/x86/regbits.h"

#define RAM	 (4ull << 20)
#define PML4	 0x10000ull /* the allocator hands out frames after it */
#define POOL_END 0x20000ull

static struct guest_mem mem;

/* Entry `index` of the table at `table`, which the code under test may
 * have put anywhere: through the translator, so a wild one is a named
 * failure, not a crash of the test. */
static uint64_t *entry(uint64_t table, unsigned index)
{
	uint64_t *e = gpa_to_host(&mem, table + 8ull * index, sizeof(*e));

	check(e != NULL,
	      "a table entry at 0x%llx lies outside the %llu MiB of guest RAM",
	      (unsigned long long)(table + 8ull * index),
	      (unsigned long long)(RAM >> 20));
	return e;
}

static void ram_setup(void)
{
	mem.size = RAM;
	mem.host = calloc(1, RAM);
	check(mem.host != NULL, "out of memory");
}

static void ram_free(void)
{
	free(mem.host);
}

/* ---- ch03-map-page: the tables pt_map() leaves, read back by hand ---- */

/*
 * Follow va from PML4 down to `levels` levels; each link must be present,
 * writable, and point at a frame from the allocator.  Returns the last
 * entry read.
 */
static uint64_t follow(uint64_t va, int levels, uint64_t need)
{
	static const char *const name[] = {"PML4", "PDPT", "PD", "PT"};
	uint64_t table = PML4, e = 0;

	for (int l = 0; l < levels; l++) {
		unsigned index = (va >> (39 - 9 * l)) & 511;

		e = *entry(table, index);
		check(e & PTE_P, "va 0x%llx: %s[%u] = 0x%llx is not present",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)e);
		if (l == levels - 1)
			break;
		check((e & need) == need,
		      "va 0x%llx: %s[%u] = 0x%llx lacks flags 0x%llx (tables "
		      "above a page allow what the page allows)",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)e, (unsigned long long)need);
		table = e & PTE_ADDR;
		check(table > PML4 && table < POOL_END,
		      "va 0x%llx: %s[%u] points at 0x%llx, not at a frame "
		      "from the allocator",
		      (unsigned long long)va, name[l], index,
		      (unsigned long long)table);
	}
	return e;
}

static int map(struct pt_alloc *a, uint64_t va, uint64_t pa, uint64_t size,
	       uint64_t flags)
{
	int r = pt_map(&mem, PML4, a, va, pa, size, flags);

	check(r == 0, "pt_map(va 0x%llx, pa 0x%llx) returned %d",
	      (unsigned long long)va, (unsigned long long)pa, r);
	return r;
}

static void map_4k(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t pte;

	(void)state;
	ram_setup();
	map(&a, 0x40000000, 0x300000, PAGE_4K, PTE_W);
	pte = follow(0x40000000, 4, PTE_P | PTE_W);
	check(pte == (0x300000 | PTE_P | PTE_W),
	      "the PT entry is 0x%llx, expected 0x300003 (address | W | P)",
	      (unsigned long long)pte);
	check(a.next == PML4 + 4 * PAGE_4K,
	      "the allocator moved by %llu frames: a first 4 KiB page needs "
	      "a PDPT, a PD and a PT",
	      (unsigned long long)((a.next - PML4) / PAGE_4K - 1));
	ram_free();
}

static void map_reuse(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t pt;

	(void)state;
	ram_setup();
	map(&a, 0x40000000, 0x300000, PAGE_4K, PTE_W);
	map(&a, 0x40001000, 0x301000, PAGE_4K, PTE_W);
	check(a.next == PML4 + 4 * PAGE_4K,
	      "a second page in the same PT took new frames: reuse the "
	      "tables that are there");
	pt = follow(0x40000000, 3, PTE_P | PTE_W) & PTE_ADDR;
	check(*entry(pt, 0) == (0x300000 | PTE_P | PTE_W) &&
		  *entry(pt, 1) == (0x301000 | PTE_P | PTE_W),
	      "PT[0] = 0x%llx, PT[1] = 0x%llx: expected 0x300003 and 0x301003",
	      (unsigned long long)*entry(pt, 0),
	      (unsigned long long)*entry(pt, 1));
	ram_free();
}

static void map_large(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};
	uint64_t e;

	(void)state;
	ram_setup();
	map(&a, 0x80000000, 0x200000, PAGE_2M, PTE_W);
	e = follow(0x80000000, 3, PTE_P | PTE_W);
	check(e == (0x200000 | PTE_P | PTE_W | PTE_PS),
	      "the PD entry of a 2 MiB page is 0x%llx, expected 0x200083",
	      (unsigned long long)e);
	check(a.next == PML4 + 3 * PAGE_4K,
	      "a 2 MiB page needs two new tables, a PDPT and a PD");
	map(&a, 0x8000000000, 0x40000000, PAGE_1G, 0);
	e = follow(0x8000000000, 2, PTE_P | PTE_W);
	check(e == (0x40000000 | PTE_P | PTE_PS),
	      "the PDPT entry of a 1 GiB page is 0x%llx, expected 0x40000081",
	      (unsigned long long)e);
	ram_free();
}

static void map_user(void **state)
{
	struct pt_alloc a = {PML4 + PAGE_4K, POOL_END};

	(void)state;
	ram_setup();
	map(&a, 0x400000, 0x300000, PAGE_4K, PTE_U | PTE_W);
	follow(0x400000, 4, PTE_P | PTE_W | PTE_U);
	ram_free();
}

static void map_identity(void **state)
{
	static const uint64_t va[] = {0x1000, 0x1ff000, 0x200000, 0x3ff000};
	struct pt_alloc a = {PML4, POOL_END};
	uint64_t cr3 = 0;

	(void)state;
	ram_setup();
	check(pt_identity(&mem, &a, &cr3) == 0, "pt_identity() failed");
	check(cr3 == PML4, "cr3 0x%llx, expected the first frame 0x%llx",
	      (unsigned long long)cr3, (unsigned long long)PML4);
	for (int i = 0; i < 4; i++) {
		int levels = va[i] < PAGE_2M ? 4 : 3;
		uint64_t e = follow(va[i], levels, PTE_P | PTE_W);
		uint64_t size = levels == 4 ? PAGE_4K : PAGE_2M;

		check((e & PTE_ADDR) == (va[i] & ~(size - 1)),
		      "va 0x%llx maps to 0x%llx, not to itself",
		      (unsigned long long)va[i],
		      (unsigned long long)(e & PTE_ADDR));
	}
	ram_free();
}

/* ---- ch03-long-mode-cpu ----------------------------------------------- */

#define CPUID_LM   (1u << 29) /* CPUID 0x80000001 EDX: long mode */
#define CR0_NW	   (1ull << 29)
#define CR0_CD	   (1ull << 30)
#define CR4_OSFXSR (1ull << 9)
#define EFER_SCE   (1ull << 0)
#define EFER_NXE   (1ull << 11)

/*
 * Real-mode code at 0x1000: CPUID leaf 0x80000001, then EDX to port 0xf4.
 *   mov $0x80000001, %eax; cpuid; mov %edx, %eax; out %eax, $0xf4; hlt
 */
static const uint8_t cpuid16[] = {0x66, 0xb8, 0x01, 0x00, 0x00,
				  0x80, 0x0f, 0xa2, 0x66, 0x89,
				  0xd0, 0x66, 0xe7, 0xf4, 0xf4};

static void cpuid_long_mode(void **state)
{
	struct grade_kvm h;
	unsigned size;
	uint32_t edx;

	(void)state;
	log_level = LOG_QUIET;
	grade_kvm_open(&h, 2 << 20);
	check(vcpu_set_cpuid(&h.cpu) == 0, "vcpu_set_cpuid() failed");
	grade_kvm_put(&h, ABI_REAL_LOAD, cpuid16, sizeof(cpuid16));
	check(boot_real(&h.cpu, ABI_REAL_LOAD) == 0, "boot_real failed");
	edx = grade_kvm_out(&h, &size, "CPUID in the guest");
	check(size == 4 && (edx & CPUID_LM),
	      "the guest's CPUID 0x80000001 gives EDX 0x%x: no long mode "
	      "(bit 29); KVM answers CPUID from the table KVM_SET_CPUID2 "
	      "gave it",
	      edx);
	grade_kvm_close(&h);
}

/* The CPUID table of the host's KVM, which the caller frees. */
static struct kvm_cpuid2 *supported_cpuid(struct grade_kvm *h)
{
	enum { MAX = 1024 };
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + MAX * sizeof(struct kvm_cpuid_entry2));

	check(c != NULL, "out of memory");
	c->nent = MAX;
	check(ioctl(h->kvm.fd, KVM_GET_SUPPORTED_CPUID, c) == 0,
	      "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	return c;
}

/*
 * The number of CPUID entries the vCPU holds.  Not every kernel writes
 * the count back after KVM_GET_CPUID2 (6.1 does not), so fill the buffer
 * with entries no KVM has and count the ones it overwrote.
 */
static unsigned vcpu_entries(int vcpu_fd)
{
	enum { MAX = 1024 };
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + MAX * sizeof(struct kvm_cpuid_entry2));
	unsigned n = 0;

	check(c != NULL, "out of memory");
	c->nent = MAX;
	memset(c->entries, 0xff, MAX * sizeof(c->entries[0]));
	check(ioctl(vcpu_fd, KVM_GET_CPUID2, c) == 0,
	      "KVM_GET_CPUID2 failed: %s", strerror(errno));
	while (n < MAX && c->entries[n].function != 0xffffffff)
		n++;
	free(c);
	return n;
}

static void cpuid_leaves(void **state)
{
	struct kvm_cpuid2 *c;
	struct grade_kvm h;
	unsigned want, got;

	(void)state;
	log_level = LOG_QUIET;
	grade_kvm_open(&h, 2 << 20);
	check(vcpu_set_cpuid(&h.cpu) == 0, "vcpu_set_cpuid() failed");
	c = supported_cpuid(&h);
	want = c->nent;
	free(c);
	got = vcpu_entries(h.cpu.fd);
	check(got == want,
	      "the vCPU has %u CPUID entries; KVM supports %u: give it all "
	      "of them",
	      got, want);
	grade_kvm_close(&h);
}

/* Registers as protected mode leaves them, with bits to keep. */
static struct kvm_sregs protected_sregs(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = CR0_CD | CR0_NW | CR0_ET | CR0_PE;
	s.cr4 = CR4_OSFXSR;
	s.efer = EFER_SCE | EFER_NXE;
	return s;
}

static void long_control(void **state)
{
	struct kvm_sregs s = protected_sregs();

	(void)state;
	modes_long_regs(&s, 0x9000);
	check(s.cr3 == 0x9000, "CR3 is 0x%llx: expected the PML4, 0x9000",
	      (unsigned long long)s.cr3);
	check(s.cr4 & CR4_PAE, "CR4 is 0x%llx: PAE (bit 5) is clear",
	      (unsigned long long)s.cr4);
	check((s.efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	      "EFER is 0x%llx: long mode needs LME (bit 8) and LMA (bit 10); "
	      "KVM_SET_SREGS takes the state the CPU would be in",
	      (unsigned long long)s.efer);
	check((s.cr0 & (CR0_PE | CR0_PG | CR0_WP)) ==
		  (CR0_PE | CR0_PG | CR0_WP),
	      "CR0 is 0x%llx: expected PE, PG and WP set",
	      (unsigned long long)s.cr0);
}

static void long_keeps_bits(void **state)
{
	struct kvm_sregs s = protected_sregs();

	(void)state;
	modes_long_regs(&s, 0x9000);
	check((s.cr0 & (CR0_CD | CR0_NW | CR0_ET)) ==
		      (CR0_CD | CR0_NW | CR0_ET) &&
		  (s.cr4 & CR4_OSFXSR) &&
		  (s.efer & (EFER_SCE | EFER_NXE)) == (EFER_SCE | EFER_NXE),
	      "CR0 0x%llx, CR4 0x%llx, EFER 0x%llx: set the bits long mode "
	      "needs and keep the others (CR0.CD, NW, ET, CR4.OSFXSR, "
	      "EFER.SCE, NXE)",
	      (unsigned long long)s.cr0, (unsigned long long)s.cr4,
	      (unsigned long long)s.efer);
}

/*
 * 64-bit code at 0x2000, whose result differs in any other mode:
 *   movabs $0x1122334455667788, %rax; shr $32, %rax; out %eax, $0xf4; hlt
 */
static const uint8_t code64[] = {0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
				 0x44, 0x33, 0x22, 0x11, 0x48, 0xc1,
				 0xe8, 0x20, 0xe7, 0xf4, 0xf4};

/* Identity-map the first 2 MiB with one large page: PML4 at 0x10000
 * (fresh guest RAM is zero, so the other entries are not present). */
static void identity_2m(struct grade_kvm *h)
{
	const uint64_t pml4e = 0x11000 | PTE_P | PTE_W,
		       pdpte = 0x12000 | PTE_P | PTE_W,
		       pde = PTE_P | PTE_W | PTE_PS; /* 2 MiB at 0 */

	grade_kvm_put(h, 0x10000, &pml4e, sizeof(pml4e));
	grade_kvm_put(h, 0x11000, &pdpte, sizeof(pdpte));
	grade_kvm_put(h, 0x12000, &pde, sizeof(pde));
}

/* The host KVM's CPUID, set here so only modes_long_regs() is graded. */
static void own_cpuid(struct grade_kvm *h)
{
	struct kvm_cpuid2 *c = supported_cpuid(h);

	check(ioctl(h->cpu.fd, KVM_SET_CPUID2, c) == 0,
	      "the test could not set the CPUID: %s", strerror(errno));
	free(c);
}

static void long_kvm(void **state)
{
	struct kvm_sregs s;
	struct grade_kvm h;
	unsigned size;
	uint32_t v;

	(void)state;
	log_level = LOG_QUIET;
	grade_kvm_open(&h, 2 << 20);
	own_cpuid(&h);
	identity_2m(&h);
	grade_kvm_flat(&h, &s, ABI_SEL_CODE64, code64, sizeof(code64));
	s.gdt.base = ABI_GDT_ADDR;
	s.gdt.limit = sizeof(grade_gdt) - 1;
	s.tr = (struct kvm_segment){.limit = 0xffff, .type = 11, .present = 1};
	modes_long_regs(&s, 0x10000);
	v = grade_kvm_run(&h, &s, &size, "64-bit code");
	check(size == 4 && v == 0x11223344,
	      "out %%eax wrote %u bytes, 0x%x: expected 4 bytes, 0x11223344 "
	      "(the CPU did not run the code as 64-bit code)",
	      size, v);
	check(vcpu_get_sregs(&h.cpu, &s) == 0, "KVM_GET_SREGS failed");
	check((s.efer & EFER_LMA) && (s.cr0 & CR0_PG) && s.cr3 == 0x10000,
	      "after the run KVM reports EFER 0x%llx CR0 0x%llx CR3 0x%llx: "
	      "not long mode on the test's tables",
	      (unsigned long long)s.efer, (unsigned long long)s.cr0,
	      (unsigned long long)s.cr3);
	grade_kvm_close(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(map_4k),
	    cmocka_unit_test(map_reuse),
	    cmocka_unit_test(map_large),
	    cmocka_unit_test(map_user),
	    cmocka_unit_test(map_identity),
	    cmocka_unit_test(cpuid_long_mode),
	    cmocka_unit_test(cpuid_leaves),
	    cmocka_unit_test(long_control),
	    cmocka_unit_test(long_keeps_bits),
	    cmocka_unit_test(long_kvm),
	};

	return GRADE_MAIN("chapter 3", tests);
}
