/* SPDX-License-Identifier: MIT */
/*
 * debugexit: the port a guest writes its verdict to (chapter 1).  A byte
 * written to ABI_PORT_DEBUG_EXIT ends the VM; the chapter binary exits
 * with that byte as its status.
 */
#ifndef KVMLAB_DEV_DEBUGEXIT_H
#define KVMLAB_DEV_DEBUGEXIT_H

#include "kvmlab/kvm/vcpu.h"

/*
 * The exit status for `value` written to the debug-exit port: the value
 * itself for a guest status (0-63) or an exercise stub's 78; anything else
 * would pose as a VMM verdict (124 "timeout"), so it is reported and
 * becomes ABI_STATUS_FAULT.
 */
int debugexit_status(int value);

/* Register on `v->pio` at ABI_PORT_DEBUG_EXIT.  0 or bus_register's error. */
int debugexit_register(struct vcpu *v);

#endif
