/* SPDX-License-Identifier: MIT */
/*
 * waiting: chapter 6's figure for `make bench`: what waiting for input
 * and printing cost in exits, polled (chapter 4) against interrupt-driven
 * (chapter 6).
 */
#ifndef KVMLAB_BENCH_WAITING_H
#define KVMLAB_BENCH_WAITING_H

/* Print the table; ch04 and ch06 are the chapter binaries' paths. */
void bench_waiting(const char *ch04, const char *ch06, unsigned wait_ms);

#endif
