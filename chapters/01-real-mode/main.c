/* SPDX-License-Identifier: MIT */
/*
 * Chapter 1: the KVM API in real mode.
 *
 * This VMM talks to /dev/kvm with raw ioctls, one step at a time, so every
 * call KVM needs is on this page once.  The guest is 16-bit real-mode code
 * that prints a greeting through port I/O and halts; each byte it prints is
 * one KVM_EXIT_IO, and the final HLT is one KVM_EXIT_HLT.
 *
 * From chapter 2 on, the same steps are library calls (kvmlab/kvm.c, vm.c,
 * vcpu.c).  Here only the bookkeeping (options, the exit trace, statistics
 * and fault reports) comes from the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "abi/machine.h"
#include "kvmlab/exits.h"
#include "kvmlab/fault.h"
#include "kvmlab/kvm.h"
#include "kvmlab/loader.h"
#include "kvmlab/log.h"
#include "kvmlab/options.h"
#include "kvmlab/stats.h"
#include "kvmlab/trace.h"
#include "kvmlab/vcpu.h"

static const struct chapter_info chapter = {
    .binary = "ch01",
    .title = "the KVM API in real mode",
    .default_guest = "ch01.bin",
    .default_timeout = 30,
};

/* Report a failed ioctl by name and give the status for "KVM unusable". */
static int ioctl_failed(const char *what)
{
	int err = errno;

	error("%s failed: %s", what, strerror(err));
	hint("why: %s", kvm_open_why(err));
	hint("fix: %s", kvm_open_fix(err));
	return ABI_STATUS_NO_KVM;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct guest_image image = {0};
	struct trace trace = {0};
	struct stats stats = {0};
	struct exit_history history = {0};
	struct guest_mem mem;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, run_size, status = -1;
	uint64_t exits = 0, unhandled = 0;

	int r = options_parse(&opt, &chapter, argc, argv);
	if (r)
		return r > 0 ? 0 : -r;
	if (trace_open(&trace, opt.trace))
		return ABI_STATUS_USAGE;

	/* 1. Open the KVM device.  Everything else goes through this fd. */
	kvm = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		int err = errno;

		error("cannot open %s: %s", kvm_device_path(), strerror(err));
		hint("why: %s", kvm_open_why(err));
		hint("fix: %s", kvm_open_fix(err));
		return ABI_STATUS_NO_KVM;
	}

	/* 2. KVM_GET_API_VERSION: the answer has been 12 since 2007.  A
	 *    different number means a different API. */
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return ioctl_failed("KVM_GET_API_VERSION (expected 12)");

	/* 3. KVM_CREATE_VM: a new, empty virtual machine.  It has no memory
	 *    and no CPUs yet; we get a second fd for VM-wide ioctls. */
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return ioctl_failed("KVM_CREATE_VM");

	/* 4. Guest RAM is ordinary memory of this process... */
	mem.size = opt.mem;
	mem.host = mmap(NULL, mem.size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem.host == MAP_FAILED)
		die(ABI_STATUS_HOST, "cannot allocate guest RAM: %s",
		    strerror(errno));

	/*    ...that KVM_SET_USER_MEMORY_REGION maps at guest-physical 0 as
	 *    memory slot 0.  The guest's "physical" byte N is mem.host[N]. */
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem.size,
	    .userspace_addr = (uintptr_t)mem.host,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return ioctl_failed("KVM_SET_USER_MEMORY_REGION");

	/* 5. Copy the guest's machine code to 0x1000 (a flat image: no
	 *    headers, byte 0 is the first instruction). */
	r = load_guest_file(&mem, opt.guest, ABI_REAL_LOAD, 0, &image);
	if (r)
		return -r;

	/* 6. KVM_CREATE_VCPU: one virtual CPU, id 0.  Its fd runs it. */
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return ioctl_failed("KVM_CREATE_VCPU");

	/* 7. Each vCPU shares a struct kvm_run with us: KVM writes there why
	 *    the guest stopped.  KVM_GET_VCPU_MMAP_SIZE says how big it is
	 *    (the struct, plus a page for port I/O data). */
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return ioctl_failed("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		die(ABI_STATUS_HOST, "mmap of kvm_run failed: %s",
		    strerror(errno));

	/* 8. KVM_GET_SREGS / KVM_SET_SREGS: the segment and control
	 *    registers.  A reset x86 CPU is already in real mode, but CS
	 *    points at the BIOS (base 0xffff0000); point it at 0 so CS:IP =
	 *    0000:1000 is our code. */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return ioctl_failed("KVM_GET_SREGS");
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.ds = sregs.es = sregs.ss = sregs.fs = sregs.gs = sregs.cs;
	sregs.ds.type = sregs.es.type = sregs.ss.type = 3; /* data, rw */
	sregs.fs.type = sregs.gs.type = 3;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return ioctl_failed("KVM_SET_SREGS");

	/* 9. KVM_SET_REGS: the general registers.  RIP = where to start,
	 *    RSP = a stack below the code, RFLAGS bit 1 is reserved and
	 *    must be 1. */
	memset(&regs, 0, sizeof(regs));
	regs.rip = ABI_REAL_LOAD;
	regs.rsp = ABI_REAL_STACK;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return ioctl_failed("KVM_SET_REGS");

	/* 10. Run.  KVM_RUN returns each time the guest does something the
	 *     VMM must emulate; run->exit_reason says what. */
	struct fault_context fc = {.vcpu_fd = vcpu,
				   .run = run,
				   .mem = &mem,
				   .image = &image,
				   .history = &history};
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_timeout_arm(run, opt.timeout);
	while (status < 0) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && run_timeout_expired()) {
				explain_timeout(&fc, opt.timeout);
				status = ABI_STATUS_TIMEOUT;
			} else if (errno != EINTR) {
				error("KVM_RUN failed: %s", strerror(errno));
				status = ABI_STATUS_HOST;
			}
			continue;
		}

		/* Bookkeeping for --trace, --stats and fault reports. */
		struct exit_info e;

		ioctl(vcpu, KVM_GET_REGS, &regs);
		exit_decode(run, ++exits, regs.rip, &e);
		exit_history_add(&history, &e);
		trace_exit(&trace, &e);
		stats_add(&stats, &e);

		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			/* OUT/IN: the data sits inside the kvm_run page at
			 * io.data_offset.  We emulate a write-only console at
			 * COM1 and the debug-exit port. */
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == ABI_PORT_COM1) {
				for (uint32_t i = 0; i < run->io.count; i++)
					putchar(data[i * run->io.size]);
			} else if (run->io.direction == KVM_EXIT_IO_OUT &&
				   run->io.port == ABI_PORT_DEBUG_EXIT) {
				status = data[0];
			} else {
				/* Nothing answers there: say so (a few times),
				 * and let reads see all ones, as on a PC. */
				if (++unhandled <= 8)
					warning(
					    "unhandled IO %s port 0x%x at "
					    "rip 0x%llx%s",
					    run->io.direction ? "out" : "in",
					    run->io.port, regs.rip,
					    unhandled == 8 ? " (no more of "
							     "these warnings)"
							   : "");
				if (run->io.direction == KVM_EXIT_IO_IN)
					memset(data, 0xff, run->io.size);
			}
			break;
		}
		case KVM_EXIT_HLT:
			/* No interrupts exist yet, so HLT means "done". */
			status = ABI_STATUS_OK;
			break;
		default:
			/* A triple fault, a failed entry, an emulation
			 * failure: explain it in plain words and stop. */
			explain_fault(&fc, &e);
			status = ABI_STATUS_FAULT;
			break;
		}
	}
	run_timeout_disarm();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	stats.elapsed_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull +
			   (uint64_t)(t1.tv_nsec - t0.tv_nsec);
	fflush(stdout);

	if (opt.stats)
		stats_print(&stats, stderr);
	info("guest stopped: status %d after %llu exits", status,
	     (unsigned long long)exits);
	trace_close(&trace);
	image_free(&image);
	munmap(run, (size_t)run_size);
	munmap(mem.host, mem.size);
	close(vcpu);
	close(vm);
	close(kvm);
	return status;
}
