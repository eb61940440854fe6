/* SPDX-License-Identifier: MIT */
/*
 * doctor: is this machine ready for kvmlab?  (`make doctor`)
 *
 * Checks, in the order a student would fix them: the KVM device, its API,
 * creating a VM, the capabilities the chapters use, /dev/net/tun and the
 * privileges TAP needs (chapter 8).  Every problem comes with its fix in
 * one line.  `doctor --probe` only answers "can a VM be created here?"
 * (exit 0, or 77 with the reason) for tests that need KVM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmlab/kvm/kvm.h"

static int problems;

static void ok(const char *what)
{
	printf("  ok    %s\n", what);
}

static void bad(const char *what, const char *fix)
{
	printf("  FAIL  %s\n        fix: %s\n", what, fix);
	problems++;
}

static void note(const char *what, const char *why)
{
	printf("  note  %s\n        %s\n", what, why);
}

/*
 * A KVM that cannot create VMs is a problem only with KVM=native: else
 * make run uses the emulated machine (mk/kvm.sh reports on it below).
 */
static void kvm_bad(const char *what, const char *fix)
{
	const char *kvm = getenv("KVM");
	char why[512];

	if (kvm && strcmp(kvm, "native") == 0) {
		bad(what, fix);
		return;
	}
	snprintf(why, sizeof(why),
		 "make run uses the emulated machine instead (below); "
		 "for this machine's own KVM: %s",
		 fix);
	note(what, why);
}

struct cap {
	long id;
	const char *name;
	const char *used_for;
	int required;
};

static const struct cap caps[] = {
    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM (ch01+)", 1},
    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real mode on VT-x (ch01+)",
     1},
    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "CPUID for long mode (ch03+)", 1},
    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "--timeout (ch01+)", 0},
    {KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS", "RIP in every trace line, cheaply",
     0},
    {KVM_CAP_SET_GUEST_DEBUG, "KVM_CAP_SET_GUEST_DEBUG",
     "the --tui viewer's single-step", 0},
    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "interrupts (ch06)", 0},
    {KVM_CAP_PIT2, "KVM_CAP_PIT2", "timer ticks (ch06)", 0},
    {KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "interrupts from the NIC (ch08)", 0},
    {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD",
     "the ring console's doorbell (ch07), notifications (ch08)", 0},
};

/* Open the device and create a VM; 0, or -errno with *step naming the
 * call that failed. */
static int try_vm(int *kvm_fd, int *vm_fd, const char **step)
{
	*kvm_fd = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	*vm_fd = -1;
	*step = "open";
	if (*kvm_fd < 0)
		return -errno;
	*step = "KVM_GET_API_VERSION";
	int v = ioctl(*kvm_fd, KVM_GET_API_VERSION, 0);

	if (v < 0)
		return -errno;
	if (v != KVM_API_VERSION)
		return -EPROTO;
	*step = "KVM_CREATE_VM";
	*vm_fd = ioctl(*kvm_fd, KVM_CREATE_VM, 0);
	if (*vm_fd < 0)
		return -errno;
	return 0;
}

static int probe(void)
{
	int kfd, vfd;
	const char *step;
	int r = try_vm(&kfd, &vfd, &step);

	if (r == 0)
		return 0;
	printf("%s %s failed: %s (%s)\n", kvm_device_path(), step, strerror(-r),
	       kvm_open_why(-r));
	return 77;
}

static int has_cap_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> 12) & 1; /* CAP_NET_ADMIN is capability 12 */
}

static int cpu_has_virt_flag(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0)
			found = strstr(line, " vmx") || strstr(line, " svm");
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const char *dev = kvm_device_path();
	char what[256];
	const char *step;
	int kfd, vfd, r;

	if (argc > 1 && strcmp(argv[1], "--probe") == 0)
		return probe();

	printf("kvmlab doctor\n\nKVM (%s):\n", dev);
	r = try_vm(&kfd, &vfd, &step);
	if (r == -ENOENT && strcmp(step, "open") == 0) {
		snprintf(what, sizeof(what), "%s does not exist", dev);
		kvm_bad(what, kvm_open_fix(ENOENT));
	} else if (strcmp(step, "open") == 0 && r) {
		snprintf(what, sizeof(what),
			 "%s exists but cannot be opened: %s", dev,
			 strerror(-r));
		kvm_bad(what, kvm_open_fix(-r));
	} else {
		snprintf(what, sizeof(what), "%s exists and opens read-write",
			 dev);
		ok(what);
		if (strcmp(step, "KVM_GET_API_VERSION") == 0) {
			snprintf(what, sizeof(what), "KVM API version: %s",
				 r == -EPROTO ? "not 12" : strerror(-r));
			kvm_bad(what, kvm_open_fix(r == -EPROTO ? ENODEV : -r));
		} else {
			ok("KVM API version 12");
			if (r) {
				snprintf(what, sizeof(what),
					 "KVM_CREATE_VM failed: %s",
					 strerror(-r));
				kvm_bad(what, kvm_open_fix(-r));
			} else {
				ok("a VM can be created (KVM_CREATE_VM)");
			}
		}
	}
	if (kfd >= 0) {
		printf("\nCapabilities the chapters use:\n");
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			int v = ioctl(kfd, KVM_CHECK_EXTENSION, caps[i].id);

			snprintf(what, sizeof(what), "%-24s %s", caps[i].name,
				 caps[i].used_for);
			if (v > 0)
				ok(what);
			else if (caps[i].required)
				bad(what,
				    "use a newer kernel with KVM built in");
			else
				note(what, "missing: that feature will say so "
					   "when used");
		}
		if (r == 0 && cpu_has_virt_flag() == 0)
			note("KVM works, but the CPU shows no vmx/svm flag",
			     "a software KVM: guest kernel code is emulated "
			     "(slower; see the chapter notes)");
	}

	printf("\nNetworking (chapters 8-9):\n");
	int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (tun >= 0) {
		ok("/dev/net/tun opens");
		close(tun);
	} else {
		snprintf(what, sizeof(what), "/dev/net/tun: %s",
			 strerror(errno));
		bad(what, errno == ENOENT ? "sudo modprobe tun"
					  : "run the network chapters as root");
	}
	if (geteuid() == 0 || has_cap_net_admin())
		ok("root or CAP_NET_ADMIN: TAP devices and bridges can be made");
	else
		note("not root and no CAP_NET_ADMIN",
		     "the network chapters need `sudo` (TAP, bridges, NAT)");

	printf("\nDebian packages:\n");
	fflush(stdout);
	if (system("sh mk/deps.sh report") != 0)
		problems++;
	printf("\n%s\n", problems ? "Fix the FAIL lines above, then run "
				    "`make doctor` again."
				  : "All set: `make run` and `make check`.");
	if (vfd >= 0)
		close(vfd);
	if (kfd >= 0)
		close(kfd);
	return problems ? 1 : 0;
}
