/* SPDX-License-Identifier: MIT */
/*
 * now: the one clock kvmlab measures with (chapter 1 on): the run time in
 * --stats, the viewer's redraw pace and rates, the benchmarks.  It is
 * CLOCK_MONOTONIC, which never jumps when the wall clock is set.
 */
#ifndef KVMLAB_NOW_H
#define KVMLAB_NOW_H

#include <stdint.h>

/* Nanoseconds since an arbitrary fixed point; only differences count. */
uint64_t now_ns(void);

#endif
