/* SPDX-License-Identifier: MIT */
/*
 * kvm: open /dev/kvm, check the API version and capabilities, and explain
 * every failure in plain words with the fix (introduced in chapter 1).
 */
#ifndef KVMLAB_KVM_H
#define KVMLAB_KVM_H

struct kvm {
	int fd;
	int api_version;
	const char *path; /* the device opened: $KVMLAB_KVM_DEV or /dev/kvm */
	int vcpu_mmap_size;
};

/* The device path: $KVMLAB_KVM_DEV if set (tests use it), else /dev/kvm. */
const char *kvm_device_path(void);

/*
 * Why opening the KVM device failed with `err` (an errno) and what to do,
 * in one line each.  Known: ENOENT, EACCES/EPERM, ENODEV/ENXIO, EBUSY.
 */
const char *kvm_open_why(int err);
const char *kvm_open_fix(int err);

/*
 * Open the device, check KVM_GET_API_VERSION == 12 and read the vCPU mmap
 * size.  On failure reports what, why and the fix, and returns -errno.
 */
int kvm_open(struct kvm *kvm);
/* Close the device; safe when kvm_open() failed (fd -1). */
void kvm_close(struct kvm *kvm);

/* KVM_CHECK_EXTENSION: the capability's value, 0 if absent. */
int kvm_cap(const struct kvm *kvm, long cap);

#endif
