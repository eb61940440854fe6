/* SPDX-License-Identifier: MIT */
/*
 * Chapter 1: the KVM API in real mode.
 *
 * This VMM talks to /dev/kvm with raw ioctls, one step at a time, so every
 * call KVM needs is on this page once.  The guest is 16-bit real-mode code
 * that prints a greeting through port I/O and halts; each byte it prints is
 * one KVM_EXIT_IO, and the final HLT is one KVM_EXIT_HLT.
 *
 * From chapter 2 on, the same steps are library calls (kvmlab/kvm/kvm.c, vm.c,
 * vcpu.c).  Here only the bookkeeping (options, the exit trace, statistics
 * and fault reports) comes from the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/fault.h"
#include "kvmlab/exits/record.h"
#include "kvmlab/kvm/kvm.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/viewer/viewer.h"
#include "labs/exercise.h"

static const struct chapter_info chapter = {
    .binary = "ch01",
    .title = "the KVM API in real mode",
    .default_guest = "ch01.bin",
    .default_timeout = 30,
};

/* What steps 1-7 build: three file descriptors and two shared mappings. */
struct machine {
	int kvm;	      /* /dev/kvm: questions about KVM itself */
	int vm;		      /* the VM: its memory and its vCPUs */
	int vcpu;	      /* vCPU 0: its registers, KVM_RUN */
	struct guest_mem mem; /* guest RAM, mapped in this process */
	struct kvm_run *run;  /* shared with KVM: why the guest exited */
	int run_size;	      /* bytes mapped at run */
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

/*
 * Steps 3-4: a new VM (m->vm, from m->kvm) with `mem_size` bytes of RAM
 * (m->mem) at guest-physical 0.  0, or an exit status after reporting.
 */
static int create_vm(struct machine *m, uint64_t mem_size)
{
	/* EXERCISE ch01-create-vm: a VM, and its RAM as memory slot 0 */
#ifndef KVMLAB_STUBS
	/* 3. KVM_CREATE_VM: a new, empty virtual machine.  It has no memory
	 *    and no CPUs yet; we get a second fd for VM-wide ioctls. */
	m->vm = ioctl(m->kvm, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		return ioctl_failed("KVM_CREATE_VM");

	/* 4. Guest RAM is ordinary memory of this process... */
	m->mem.size = mem_size;
	m->mem.host = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->mem.host == MAP_FAILED)
		die(ABI_STATUS_HOST, "cannot allocate guest RAM: %s",
		    strerror(errno));

	/*    ...that KVM_SET_USER_MEMORY_REGION maps at guest-physical 0 as
	 *    memory slot 0.  The guest's "physical" byte N is mem.host[N]. */
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = mem_size,
	    .userspace_addr = (uintptr_t)m->mem.host,
	};
	if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return ioctl_failed("KVM_SET_USER_MEMORY_REGION");
	return 0;
#else
	(void)m;
	(void)mem_size;
	exercise_todo("ch01-create-vm", "exercises/01-real-mode/README.md");
#endif /* END EXERCISE ch01-create-vm */
}

/*
 * Steps 6-7: vCPU 0 of m->vm (m->vcpu) and the kvm_run it shares with us
 * (m->run, m->run_size bytes).  0, or an exit status after reporting.
 */
static int create_vcpu(struct machine *m)
{
	/* EXERCISE ch01-create-vcpu: vCPU 0 and the kvm_run it shares */
#ifndef KVMLAB_STUBS
	/* 6. KVM_CREATE_VCPU: one virtual CPU, id 0.  Its fd runs it. */
	m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
	if (m->vcpu < 0)
		return ioctl_failed("KVM_CREATE_VCPU");

	/* 7. Each vCPU shares a struct kvm_run with us: KVM writes there why
	 *    the guest stopped.  KVM_GET_VCPU_MMAP_SIZE says how big it is
	 *    (the struct, plus a page for port I/O data). */
	m->run_size = ioctl(m->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (m->run_size <= 0)
		return ioctl_failed("KVM_GET_VCPU_MMAP_SIZE");
	m->run = mmap(NULL, (size_t)m->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, m->vcpu, 0);
	if (m->run == MAP_FAILED)
		die(ABI_STATUS_HOST, "mmap of kvm_run failed: %s",
		    strerror(errno));
	return 0;
#else
	(void)m;
	exercise_todo("ch01-create-vcpu", "exercises/01-real-mode/README.md");
#endif /* END EXERCISE ch01-create-vcpu */
}

/*
 * Steps 8-9: put `vcpu` in real mode at CS:IP = 0000:1000 with a stack
 * below the code.  0, or an exit status after reporting.
 */
static int enter_real_mode(int vcpu)
{
	/* EXERCISE ch01-real-mode: segments, RIP, RSP and RFLAGS */
#ifndef KVMLAB_STUBS
	struct kvm_sregs sregs;
	struct kvm_regs regs;

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
	return 0;
#else
	(void)vcpu;
	exercise_todo("ch01-real-mode", "exercises/01-real-mode/README.md");
#endif /* END EXERCISE ch01-real-mode */
}

/*
 * Step 10's devices: one KVM_EXIT_IO in `run`, taken at `rip`.  Bytes
 * written to COM1 go to `console`; a byte written to the debug-exit port
 * is the guest's status.  Returns that status, or -1 to run on.
 */
static int handle_io(struct kvm_run *run, uint64_t rip, FILE *console)
{
	/* EXERCISE ch01-io-exit: emulate the console and the debug-exit port */
#ifndef KVMLAB_STUBS
	/* OUT/IN: the data sits inside the kvm_run page at io.data_offset,
	 * `count` elements of `size` bytes (count > 1 for REP OUTS). */
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	if (run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == ABI_PORT_COM1) {
		for (uint32_t i = 0; i < run->io.count; i++)
			fputc(data[i * run->io.size], console);
		return -1;
	}
	if (run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == ABI_PORT_DEBUG_EXIT)
		return data[0];
	warning("unhandled IO %s port 0x%x at rip 0x%llx",
		run->io.direction ? "out" : "in", run->io.port,
		(unsigned long long)rip);
	/* Nothing answers: a read gets all ones, as on a PC bus. */
	if (run->io.direction == KVM_EXIT_IO_IN)
		memset(data, 0xff, (size_t)run->io.size * run->io.count);
	return -1;
#else
	(void)run;
	(void)rip;
	(void)console;
	exercise_todo("ch01-io-exit", "exercises/01-real-mode/README.md");
#endif /* END EXERCISE ch01-io-exit */
}

/* Step 10's answer to one KVM_EXIT_IO: the guest's status, or -1. */
static int io_exit(void *console, struct kvm_run *run, uint64_t rip)
{
	int status = handle_io(run, rip, console);

	return status >= 0 ? debugexit_status(status) : -1;
}

/*
 * --tui: the register viewer drives the vCPU instead of step 10's loop.
 * It needs the library's view of what steps 1-7 made (three structures
 * around the same descriptors), and runs each IO exit through io_exit(),
 * this chapter's own handler.
 */
static int tui(struct machine *m, struct exit_record *rec,
	       const struct options *opt)
{
	struct kvm kvm = {.fd = m->kvm,
			  .api_version = KVM_API_VERSION,
			  .path = kvm_device_path(),
			  .vcpu_mmap_size = m->run_size};
	struct vm vm = {.kvm = &kvm, .fd = m->vm, .mem = m->mem};
	struct vcpu cpu = {.vm = &vm,
			   .fd = m->vcpu,
			   .run = m->run,
			   .io_exit = io_exit,
			   .io_opaque = stdout,
			   .rec = rec};

	return viewer_run(&cpu, opt);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m = {.kvm = -1, .vm = -1, .vcpu = -1};
	struct guest_file file;
	struct guest_image image = {0};
	struct trace trace = {0};
	struct exit_record rec = {.trace = &trace, .image = &image};
	struct kvm_regs regs;
	int status = -1;
	uint64_t start;

	int r = options_parse(&opt, &chapter, argc, argv);
	if (r != OPTIONS_RUN)
		return r;
	if (trace_open(&trace, opt.trace))
		return ABI_STATUS_USAGE;

	/* 0. Read the guest image before touching KVM: a wrong path is the
	 *    same mistake on a machine without KVM, and gets the same
	 *    answer there.  Step 5 copies it into guest RAM. */
	r = guest_file_read(&file, opt.guest, opt.mem, 0);
	if (r)
		return -r;

	/* 1. Open the KVM device.  Everything else goes through this fd. */
	m.kvm = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	if (m.kvm < 0) {
		int err = errno;

		error("cannot open %s: %s", kvm_device_path(), strerror(err));
		hint("why: %s", kvm_open_why(err));
		hint("fix: %s", kvm_open_fix(err));
		guest_file_free(&file); /* step 5 would have */
		return ABI_STATUS_NO_KVM;
	}

	/* 2. KVM_GET_API_VERSION: the answer has been 12 since 2007.  A
	 *    different number means a different API. */
	if (ioctl(m.kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		guest_file_free(&file);
		return ioctl_failed("KVM_GET_API_VERSION (expected 12)");
	}

	/* 3-4. A VM, and guest RAM mapped into it as memory slot 0. */
	r = create_vm(&m, opt.mem);
	if (r) {
		guest_file_free(&file);
		return r;
	}
	/*    On Intel CPUs without "unrestricted guest", KVM runs real mode
	 *    as a virtual-8086 task and needs three pages of guest-physical
	 *    space for its TSS: KVM_SET_TSS_ADDR puts them below 4 GiB, far
	 *    from RAM.  Elsewhere it does nothing. */
	if (ioctl(m.vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		warning("KVM_SET_TSS_ADDR failed: %s", strerror(errno));

	/* 5. Copy the guest's machine code to 0x1000 (a flat image: no
	 *    headers, byte 0 is the first instruction). */
	r = guest_file_load(&file, &m.mem, ABI_REAL_LOAD, &image);
	if (r)
		return -r;

	/* 6-7. vCPU 0, and the kvm_run page it shares with us. */
	r = create_vcpu(&m);
	if (r)
		return r;

	/* 8-9. Real mode at 0000:1000. */
	r = enter_real_mode(m.vcpu);
	if (r)
		return r;

	/* 10. Run.  KVM_RUN returns each time the guest does something the
	 *     VMM must emulate; run->exit_reason says what. */
	struct fault_context fc = {.vcpu_fd = m.vcpu,
				   .run = m.run,
				   .mem = &m.mem,
				   .image = &image,
				   .log = &rec.log};
	if (opt.tui)
		status = tui(&m, &rec, &opt);
	start = now_ns();
	run_timeout_arm(m.run, opt.timeout);
	while (status < 0) {
		if (ioctl(m.vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && run_timeout_expired()) {
				explain_timeout(&fc, opt.timeout);
				status = ABI_STATUS_TIMEOUT;
			} else if (errno != EINTR) {
				error("KVM_RUN failed: %s", strerror(errno));
				status = ABI_STATUS_HOST;
			}
			continue;
		}

		/* Bookkeeping for --trace, --stats and fault reports.  They
		 * name the RIP of each exit, so a failed KVM_GET_REGS stops
		 * the run rather than report garbage. */
		struct exit_info e;

		if (ioctl(m.vcpu, KVM_GET_REGS, &regs) < 0) {
			error("cannot read the vCPU's registers after an "
			      "exit (KVM_GET_REGS): %s",
			      strerror(errno));
			status = ABI_STATUS_HOST;
			continue;
		}
		exit_decode(m.run, exit_record_count(&rec) + 1, regs.rip, &e);
		exit_record_add(&rec, &e);

		switch (m.run->exit_reason) {
		case KVM_EXIT_IO:
			/* OUT/IN: a write-only console at COM1 and the
			 * debug-exit port. */
			status = io_exit(stdout, m.run, regs.rip);
			break;
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
	rec.stats.elapsed_ns = now_ns() - start;
	fflush(stdout);

	if (opt.stats)
		stats_print(&rec.stats, stderr);
	info("guest stopped: status %d after %llu exits", status,
	     (unsigned long long)exit_record_count(&rec));
	if (trace_close(&trace) && status == ABI_STATUS_OK)
		status = ABI_STATUS_HOST;
	image_free(&image);
	munmap(m.run, (size_t)m.run_size);
	munmap(m.mem.host, m.mem.size);
	close(m.vcpu);
	close(m.vm);
	close(m.kvm);
	return status;
}
