/* SPDX-License-Identifier: MIT */
/*
 * exit.c: how a guest ends and reports its verdict (chapter 2 on).
 */
#include "abi/machine.h"
#include "cpu.h"
#include "exit.h"
#include "io.h"
#include "printf.h"

noreturn void guest_exit(int status)
{
	outb(ABI_PORT_DEBUG_EXIT, (unsigned char)status);
	/*
	 * The VMM stops the VM at the OUT above.  If it ever resumed us,
	 * halting with interrupts off is the safest thing left to do.
	 */
	for (;;) {
		cli();
		hlt();
	}
}

noreturn void guest_abort(const char *file, int line, const char *what)
{
	printf("ABORT: %s:%d: %s\n", file, line, what);
	guest_exit(1);
}
