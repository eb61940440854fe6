/* SPDX-License-Identifier: MIT */
/*
 * memory: the one bounds-checked translator from guest-physical addresses
 * to host pointers (chapter 2).
 *
 * A guest controls every address and length it hands the VMM.  Checking
 * them here, once, with overflow in mind, is what keeps a buggy or hostile
 * guest from making the VMM read or write its own memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/base/memory.h"

void *gpa_to_host(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	/* Written so that gpa + len cannot overflow: both sides stay <= size. */
	if (!mem->host || gpa > mem->size || len > mem->size - gpa)
		return NULL;
	return mem->host + gpa;
}

int guest_write(const struct guest_mem *mem, uint64_t gpa, const void *src,
		uint64_t len)
{
	void *dst = gpa_to_host(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_read(const struct guest_mem *mem, uint64_t gpa, void *dst,
	       uint64_t len)
{
	const void *src = gpa_to_host(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int parse_size(const char *text, uint64_t *out)
{
	char *end;
	unsigned long long n;
	unsigned shift = 0;

	if (!text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	/* Decimal unless it says 0x: "010" is ten, not eight. */
	n = strtoull(text, &end, strncmp(text, "0x", 2) == 0 ? 16 : 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'i' && shift)
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || (shift && n > (~0ull >> shift)))
		return -EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}
