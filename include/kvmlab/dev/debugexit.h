/* SPDX-License-Identifier: MIT */
/*
 * debugexit: the port a guest writes its verdict to (chapter 1).  A byte
 * written to ABI_PORT_DEBUG_EXIT ends the VM; the chapter binary exits
 * with that byte as its status.
 */
#ifndef KVMLAB_DEV_DEBUGEXIT_H
#define KVMLAB_DEV_DEBUGEXIT_H

#include "kvmlab/vcpu.h"

/* Register on `v->pio` at ABI_PORT_DEBUG_EXIT.  0 or bus_register's error. */
int debugexit_register(struct vcpu *v);

#endif
