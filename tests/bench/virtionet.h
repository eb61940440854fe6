/* SPDX-License-Identifier: MIT */
/*
 * virtionet: chapter 8's figure for `make bench`: a UDP echo burst to the
 * guest's virtio-net NIC over a TAP, with and without RING_EVENT_IDX and
 * the I/O thread, in packets per second and exits, interrupts and kicks
 * per packet.
 */
#ifndef KVMLAB_BENCH_VIRTIONET_H
#define KVMLAB_BENCH_VIRTIONET_H

#include <stdbool.h>

/*
 * In a network namespace of its own (skipped, with the reason, when one
 * cannot be made), run `ch08` on a TAP four times and burst UDP echoes
 * at its guest with `udpecho`; print the table.  `emulated`: fewer
 * packets (exits cost 10-20 times more there; the ratios do not change).
 */
void bench_virtio_net(const char *ch08, const char *udpecho, bool emulated);

#endif
