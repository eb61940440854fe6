/* SPDX-License-Identifier: MIT */
/*
 * hypercall.c: chapter 7's hypercalls from the guest (see hypercall.h).
 */
#include <stdarg.h>

#include "hypercall.h"
#include "printf.h"
#include "string.h"

int64_t hc_call(unsigned call, struct hc_header *block)
{
	/*
	 * "memory": the VMM reads the block during the OUT and writes its
	 * answer there, so the compiler must have stored the block before
	 * and must load the answer after.  The port is above 0xff, so it
	 * goes in DX.
	 */
	__asm__ volatile("outl %0, %1"
			 :
			 : "a"((uint32_t)(uintptr_t)block),
			   "d"((uint16_t)HC_PORT(call))
			 : "memory");
	return block->ret;
}

int64_t hc_console_write(const char *buf, size_t len)
{
	struct hc_console_write a = {
	    .h.ret = HC_ENOSYS, .buf = (uintptr_t)buf, .len = len};

	return hc_call(HC_CONSOLE_WRITE, &a.h);
}

int64_t hc_console_puts(const char *s)
{
	return hc_console_write(s, strlen(s));
}

int64_t hc_console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return hc_console_write(buf, n < (int)sizeof(buf) ? (size_t)n
							  : sizeof(buf) - 1);
}

int64_t hc_exit_stats(struct hc_exit_stats *x)
{
	*x = (struct hc_exit_stats){.h.ret = HC_ENOSYS};
	return hc_call(HC_EXIT_STATS, &x->h);
}

int64_t hc_ring_setup(const void *ring, uint64_t size)
{
	struct hc_ring_setup a = {
	    .h.ret = HC_ENOSYS, .ring = (uintptr_t)ring, .size = size};

	return hc_call(HC_RING_SETUP, &a.h);
}

int64_t hc_ring_flush(void)
{
	struct hc_header h = {.ret = HC_ENOSYS};

	return hc_call(HC_RING_FLUSH, &h);
}

const char *hc_error_name(int64_t ret)
{
	switch (ret) {
	case HC_EIO:
		return "HC_EIO";
	case HC_EFAULT:
		return "HC_EFAULT";
	case HC_EINVAL:
		return "HC_EINVAL";
	case HC_ENOSYS:
		return "HC_ENOSYS";
	case HC_EMSGSIZE:
		return "HC_EMSGSIZE";
	default:
		return "an error";
	}
}
