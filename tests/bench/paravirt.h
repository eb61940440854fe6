/* SPDX-License-Identifier: MIT */
/*
 * paravirt: chapter 7's figure for `make bench`: the same text through
 * the emulated 8250, the hypercall console and the ring console, in
 * exits and time (build/ch07 --compare's table).
 */
#ifndef KVMLAB_BENCH_PARAVIRT_H
#define KVMLAB_BENCH_PARAVIRT_H

/* Run `ch07 --compare` and print its table; ch07 is the binary's path. */
void bench_paravirt(const char *ch07);

#endif
