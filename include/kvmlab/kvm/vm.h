/* SPDX-License-Identifier: MIT */
/*
 * vm: one virtual machine with its RAM in memory slot 0 (chapter 2).
 */
#ifndef KVMLAB_VM_H
#define KVMLAB_VM_H

#include <stdint.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/kvm/kvm.h"

struct vm {
	struct kvm *kvm;
	int fd;
	struct guest_mem mem;
};

/*
 * KVM_CREATE_VM, then map `mem_size` bytes of anonymous memory as guest RAM
 * from guest-physical 0 (KVM_SET_USER_MEMORY_REGION, slot 0).  Reports and
 * returns -errno on failure.
 */
int vm_create(struct vm *vm, struct kvm *kvm, uint64_t mem_size);
/* Close the VM and unmap its RAM; safe on a VM whose creation failed. */
void vm_destroy(struct vm *vm);

#endif
