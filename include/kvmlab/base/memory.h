/* SPDX-License-Identifier: MIT */
/*
 * memory: guest RAM and the one translator from guest-physical addresses to
 * host pointers (introduced in chapter 2).
 *
 * Everything that touches guest memory (loader, page tables, devices, the
 * viewer) goes through gpa_to_host(), so one bounds check protects the VMM
 * from every wild pointer a guest can hand it.
 */
#ifndef KVMLAB_MEMORY_H
#define KVMLAB_MEMORY_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *host; /* where guest-physical 0 is mapped in the VMM */
	uint64_t size; /* bytes of RAM from guest-physical 0 */
};

/*
 * Host pointer to the `len` bytes at guest-physical `gpa`, or NULL when any
 * byte of [gpa, gpa + len) lies outside guest RAM (overflow included).
 * len == 0 is valid for any gpa <= size.
 */
void *gpa_to_host(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy to / from guest memory.  0, or -EFAULT when out of bounds. */
int guest_write(const struct guest_mem *mem, uint64_t gpa, const void *src,
		uint64_t len);
int guest_read(const struct guest_mem *mem, uint64_t gpa, void *dst,
	       uint64_t len);

/* Parse a size such as "2M", "512K", "1G" or "4194304".  0 or -EINVAL. */
int parse_size(const char *text, uint64_t *out);

#endif
