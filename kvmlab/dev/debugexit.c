/* SPDX-License-Identifier: MIT */
/*
 * debugexit: a guest ends the VM by writing its status here (chapter 1).
 *
 * Every kvmlab guest reports its verdict the same way, so graders read one
 * exit status whatever the chapter.
 */
#include "abi/machine.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/exercise.h"
#include "kvmlab/log.h"

static void debugexit_io(void *opaque, struct bus_access *a)
{
	struct vcpu *v = opaque;
	int status;

	if (!a->write) {
		a->value = 0;
		return;
	}
	status = (int)(a->value & 0xff);
	/* An exercise stub in the guest (the labs) reports 78 on purpose:
	 * note it for the grader (kvmlab/exercise.c). */
	if (status == ABI_STATUS_EXERCISE)
		exercise_note("guest");
	if (status > ABI_STATUS_GUEST_MAX && status != ABI_STATUS_EXERCISE)
		warning("the guest reported status %d; guest statuses are 0-%d "
			"(higher ones mean the VMM stopped it)",
			status, ABI_STATUS_GUEST_MAX);
	vcpu_request_stop(v, status);
}

int debugexit_register(struct vcpu *v)
{
	return bus_register(v->pio, "debug-exit", ABI_PORT_DEBUG_EXIT, 1,
			    debugexit_io, v);
}
