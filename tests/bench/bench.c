/* SPDX-License-Identifier: MIT */
/*
 * bench: what an exit costs (`make bench`).
 *
 *   bench [--exits N] GUEST CH01 [GUEST64 [CH04 CH06 [CH07]]]
 *
 * GUEST is a real-mode image that writes port 0x80 N times (100,000 by
 * default) and halts.  It runs through the library's run loop (vcpu_run:
 * decode, the exit record, bus dispatch) and through a bare KVM_RUN loop that does
 * nothing per exit, alternately, several times; the medians and their ratio
 * are printed.  Then the whole-process time of CH01 (open, create, load,
 * run, exit).
 *
 * GUEST64 (chapter 5) is a long-mode guest that makes N port I/O exits
 * (RDI = 0) or N MMIO exits (RDI = 1) with the same loop: the time per
 * exit of each kind, bare and through the library.
 *
 * CH04 and CH06 (chapter 6): what waiting for input and printing cost,
 * polled against interrupt-driven (waiting.c).
 *
 * CH07 (chapter 7): the same text through the emulated 8250, hypercalls
 * and the ring console (paravirt.c).
 *
 * CH08 UDPECHO (chapter 8): a UDP echo burst to the virtio-net guest
 * through a TAP, with and without EVENT_IDX and the I/O thread
 * (virtionet.c).
 *
 * Both guests take N in ECX at entry (0: their built-in 100,000).  In the
 * emulated machine (KVMLAB_EMULATED=1, mk/emu/) an exit costs 10-20 times
 * a native one, so N defaults to 10,000 there and CH01 runs fewer times:
 * the figures are per exit and ratios, which fewer exits measure as well,
 * and the whole bench takes seconds instead of minutes.
 *
 * Figures only, no verdicts: the machines are shared and noisy, so compare
 * the ratio measured in one run, not numbers across runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/kvm/vm.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "paravirt.h"
#include "virtionet.h"
#include "waiting.h"

#define ROUNDS		      5
#define PROCESS_RUNS	      20
#define BENCH_PORT	      0x80
#define BENCH_EXITS	      100000 /* the guests' own default */
#define EMULATED_EXITS	      10000
#define EMULATED_PROCESS_RUNS 5
#define WAIT_MS		      2000 /* chapter 6: how long input is late */

/* Exits per loop: what the guests get in ECX and what each must make. */
static uint32_t bench_exits = BENCH_EXITS;

static void count_write(void *opaque, struct bus_access *a)
{
	(void)a;
	(*(uint64_t *)opaque)++;
}

struct setup {
	struct kvm kvm;
	struct vm vm;
	struct vcpu cpu;
	struct exit_record rec; /* as a chapter keeps it, without a trace */
	struct bus pio, mmio;
	struct guest_image img;
	uint64_t writes;
};

/* A real-mode guest (long_mode false) or a 64-bit one started with arg. */
static void setup(struct setup *s, const char *guest, bool long_mode,
		  uint64_t arg)
{
	memset(s, 0, sizeof(*s));
	if (kvm_open(&s->kvm) || vm_create(&s->vm, &s->kvm, ABI_RAM_DEFAULT))
		exit(ABI_STATUS_NO_KVM);
	if (load_guest_file(&s->vm.mem, guest,
			    long_mode ? ABI_ELF_BASE : ABI_REAL_LOAD, long_mode,
			    &s->img))
		exit(ABI_STATUS_NO_IMAGE);
	if (vcpu_create(&s->cpu, &s->vm, 0) ||
	    (long_mode && vcpu_set_cpuid(&s->cpu)))
		exit(ABI_STATUS_NO_KVM);
	bus_init(&s->pio, "pio");
	bus_init(&s->mmio, "mmio");
	s->cpu.pio = &s->pio;
	s->cpu.mmio = &s->mmio;
	s->cpu.rec = &s->rec;
	bus_register(&s->pio, "bench", BENCH_PORT, 1, count_write, &s->writes);
	bus_register(&s->mmio, "bench", ABI_MMIO_CLOCK, ABI_MMIO_CLOCK_LEN,
		     count_write, &s->writes);
	if (long_mode ? boot_long(&s->cpu, s->img.entry, arg)
		      : boot_real(&s->cpu, ABI_REAL_LOAD))
		exit(ABI_STATUS_HOST);

	struct kvm_regs regs;

	if (vcpu_get_regs(&s->cpu, &regs))
		exit(ABI_STATUS_HOST);
	regs.rcx = bench_exits;
	if (vcpu_set_regs(&s->cpu, &regs))
		exit(ABI_STATUS_HOST);
}

static void teardown(struct setup *s)
{
	image_free(&s->img);
	vcpu_destroy(&s->cpu);
	vm_destroy(&s->vm);
	kvm_close(&s->kvm);
}

/* ns per exit through vcpu_run(). */
static double library_loop(const char *guest, bool long_mode, uint64_t arg)
{
	struct setup s;
	uint64_t t0, t1;
	int status;

	setup(&s, guest, long_mode, arg);
	t0 = now_ns();
	/* A minute, and a millisecond per exit for a large --exits. */
	status = vcpu_run(&s.cpu, 60 + bench_exits / 1000);
	t1 = now_ns();
	if (status != 0 || s.writes != bench_exits) {
		fprintf(stderr,
			"bench: library loop: status %d, %" PRIu64
			" writes (expected 0 and %" PRIu32 ")\n",
			status, s.writes, bench_exits);
		exit(1);
	}
	double ns = (double)(t1 - t0) / (double)s.cpu.exits;

	teardown(&s);
	return ns;
}

/* ns per exit through the least a VMM can do: KVM_RUN until HLT. */
static double bare_loop(const char *guest, bool long_mode, uint64_t arg)
{
	struct setup s;
	uint64_t t0, t1, exits = 0;

	setup(&s, guest, long_mode, arg);
	t0 = now_ns();
	for (;;) {
		if (ioctl(s.cpu.fd, KVM_RUN, 0) < 0) {
			perror("bench: KVM_RUN");
			exit(1);
		}
		exits++;
		if (s.cpu.run->exit_reason == KVM_EXIT_HLT)
			break;
		if (s.cpu.run->exit_reason != KVM_EXIT_IO &&
		    s.cpu.run->exit_reason != KVM_EXIT_MMIO) {
			fprintf(stderr, "bench: unexpected exit %s\n",
				exit_reason_name(s.cpu.run->exit_reason));
			exit(1);
		}
	}
	t1 = now_ns();
	if (exits != (uint64_t)bench_exits + 1) {
		fprintf(stderr,
			"bench: bare loop: %" PRIu64 " exits (expected %" PRIu64
			": %" PRIu32 " and HLT)\n",
			exits, (uint64_t)bench_exits + 1, bench_exits);
		exit(1);
	}
	teardown(&s);
	return (double)(t1 - t0) / (double)exits;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Wall time of one run of `path` with its output discarded, in ms. */
static double process_ms(const char *path)
{
	uint64_t t0;
	pid_t pid;

	fflush(stdout); /* or the child would print our buffer again */
	t0 = now_ns();
	pid = fork();
	int status;

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s did not exit with 0\n", path);
		exit(1);
	}
	return (double)(now_ns() - t0) / 1e6;
}

/*
 * Chapter 5: a port I/O exit against an MMIO exit, from the same 64-bit
 * loop.  On VT-x an MMIO exit also costs a page-table (EPT) miss and the
 * decoding of the instruction, which an OUT's exit information spares.
 */
static void pio_vs_mmio(const char *guest64)
{
	double v[4][ROUNDS], m[4];
	static const char *const what[4] = {
	    "port I/O (OUT), bare KVM_RUN loop",
	    "MMIO (MOV), bare KVM_RUN loop",
	    "port I/O (OUT), library run loop",
	    "MMIO (MOV), library run loop",
	};

	printf("\nkvmlab bench: a 64-bit guest makes %" PRIu32
	       " port I/O exits, then %" PRIu32
	       " MMIO\nexits, with the same loop (medians of %d)\n\n",
	       bench_exits, bench_exits, ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		v[0][i] = bare_loop(guest64, true, 0);
		v[1][i] = bare_loop(guest64, true, 1);
		v[2][i] = library_loop(guest64, true, 0);
		v[3][i] = library_loop(guest64, true, 1);
	}
	for (int k = 0; k < 4; k++) {
		m[k] = median(v[k], ROUNDS);
		printf("  %-36s %8.0f ns per exit\n", what[k], m[k]);
	}
	printf("  ratio MMIO / port I/O (bare)         %8.3f\n", m[1] / m[0]);
}

static int usage(void)
{
	fprintf(stderr, "usage: bench [--exits N] GUEST CH01 [GUEST64 [CH04 "
			"CH06 [CH07 [CH08 UDPECHO]]]]\n");
	return 64;
}

/* --exits N: 1 to 2^32-1, the guests' 32-bit ECX (0 means their default). */
static int parse_exits(const char *arg)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || n == 0 ||
	    n > UINT32_MAX) {
		fprintf(stderr,
			"bench: --exits takes a count from 1 to %" PRIu32
			", not '%s'\n",
			UINT32_MAX, arg);
		return -1;
	}
	bench_exits = (uint32_t)n;
	return 0;
}

static bool emulated(void)
{
	const char *e = getenv("KVMLAB_EMULATED");

	return e && strcmp(e, "1") == 0;
}

int main(int argc, char **argv)
{
	double lib[ROUNDS], bare[ROUNDS], proc[PROCESS_RUNS];
	int process_runs = PROCESS_RUNS;
	bool exits_given = false;

	if (argc > 1 && strcmp(argv[1], "--exits") == 0) {
		if (argc < 3 || parse_exits(argv[2]))
			return usage();
		exits_given = true;
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 && argc != 4 && argc != 6 && argc != 7 && argc != 9)
		return usage();
	log_level = LOG_ERROR;
	if (emulated()) {
		/*
		 * Each exit costs 10-20 times a native one: the native counts
		 * take minutes there, and say no more.
		 */
		process_runs = EMULATED_PROCESS_RUNS;
		if (!exits_given)
			bench_exits = EMULATED_EXITS;
		printf("kvmlab bench: emulated machine (KVMLAB_EMULATED=1): "
		       "exits cost 10-20x here,\nso ");
		if (!exits_given)
			printf(
			    "%" PRIu32 " per loop, not %d (figures per exit "
			    "and ratios need no more;\n--exits N to choose), "
			    "and ",
			    bench_exits, BENCH_EXITS);
		printf("%d runs of %s, not %d\n\n", process_runs, argv[2],
		       PROCESS_RUNS);
	}
	printf("kvmlab bench: a real-mode guest writes port 0x%x %" PRIu32
	       " times\n(%d runs of each loop, alternating; medians)\n\n",
	       BENCH_PORT, bench_exits, ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		lib[i] = library_loop(argv[1], false, 0);
		bare[i] = bare_loop(argv[1], false, 0);
	}
	double l = median(lib, ROUNDS), b = median(bare, ROUNDS);

	printf("  library run loop (vcpu_run)   %8.0f ns per exit\n", l);
	printf("  bare KVM_RUN loop             %8.0f ns per exit\n", b);
	printf("  ratio library / bare          %8.3f\n", l / b);
	printf("  library overhead per exit     %8.0f ns\n\n", l - b);
	for (int i = 0; i < process_runs; i++)
		proc[i] = process_ms(argv[2]);
	double fastest = proc[0];

	for (int i = 1; i < process_runs; i++)
		if (proc[i] < fastest)
			fastest = proc[i];
	printf("  %s whole process      %8.2f ms (median of %d, fastest "
	       "%.2f ms)\n",
	       argv[2], median(proc, process_runs), process_runs, fastest);
	if (argc >= 4)
		pio_vs_mmio(argv[3]);
	if (argc >= 6)
		bench_waiting(argv[4], argv[5], WAIT_MS);
	if (argc >= 7)
		bench_paravirt(argv[6]);
	if (argc == 9)
		bench_virtio_net(argv[7], argv[8], emulated());
	return 0;
}
