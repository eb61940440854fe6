/* SPDX-License-Identifier: MIT */
/*
 * kvm: open the KVM device and explain why it failed (chapter 1).
 *
 * /dev/kvm is where every KVM program starts.  The first failure a student
 * meets is usually here, so each errno gets a plain reason and a fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "kvmlab/base/log.h"
#include "kvmlab/kvm/kvm.h"

const char *kvm_device_path(void)
{
	const char *p = getenv("KVMLAB_KVM_DEV");

	return p && *p ? p : "/dev/kvm";
}

const char *kvm_open_why(int err)
{
	switch (err) {
	case ENOENT:
		return "the device does not exist: the kvm module is not "
		       "loaded, or this machine (or VM) has no hardware "
		       "virtualisation";
	case EACCES:
	case EPERM:
		return "you may not open it: it belongs to root and the kvm "
		       "group";
	case ENODEV:
	case ENXIO:
		return "the file exists but no KVM driver answers behind it";
	case EBUSY:
		return "another hypervisor holds the virtualisation hardware "
		       "(VirtualBox or VMware running on this machine)";
	case ENOTTY:
		return "the file is not a KVM device (its ioctls are unknown)";
	default:
		return strerror(err);
	}
}

const char *kvm_open_fix(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "enable VT-x/AMD-V in the firmware, then `sudo modprobe "
		       "kvm_intel` (or kvm_amd); `make doctor` checks again";
	case EACCES:
	case EPERM:
		return "`sudo usermod -aG kvm $USER`, then log out and back in";
	case EBUSY:
		return "quit the other hypervisor (or unload its kernel "
		       "module), then try again";
	case ENOTTY:
		return "point KVMLAB_KVM_DEV at /dev/kvm, or unset it";
	default:
		return "run `make doctor` for a full check";
	}
}

int kvm_open(struct kvm *kvm)
{
	int err;

	kvm->path = kvm_device_path();
	kvm->fd = open(kvm->path, O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0) {
		err = errno;
		error("cannot open %s: %s", kvm->path, strerror(err));
		hint("why: %s", kvm_open_why(err));
		hint("fix: %s", kvm_open_fix(err));
		return -err;
	}
	/* KVM_GET_API_VERSION: 12 since Linux 2.6.22; anything else is a
	 * different API, or not KVM at all. */
	kvm->api_version = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version < 0) {
		err = errno;
		error("%s does not answer KVM_GET_API_VERSION: %s", kvm->path,
		      strerror(err));
		hint("why: %s", kvm_open_why(err));
		hint("fix: %s", kvm_open_fix(err));
		close(kvm->fd);
		kvm->fd = -1;
		return -err;
	}
	if (kvm->api_version != KVM_API_VERSION) {
		error("%s speaks KVM API version %d, kvmlab needs %d",
		      kvm->path, kvm->api_version, KVM_API_VERSION);
		hint("fix: use a Linux kernel from this decade");
		close(kvm->fd);
		kvm->fd = -1;
		return -EPROTO;
	}
	/* Every vCPU shares its struct kvm_run with us through an mmap of
	 * this size (the struct plus pages for PIO data and more). */
	kvm->vcpu_mmap_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size <= 0) {
		err = errno;
		error("KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(err));
		close(kvm->fd);
		kvm->fd = -1;
		return -err;
	}
	return 0;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->fd >= 0)
		close(kvm->fd);
	kvm->fd = -1;
}

int kvm_cap(const struct kvm *kvm, long cap)
{
	int r = ioctl(kvm->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}
