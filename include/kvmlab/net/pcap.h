/* SPDX-License-Identifier: MIT */
/*
 * pcap: every frame the guest's NIC sends or receives, in a file that
 * tcpdump and Wireshark read (chapter 8's --pcap FILE).
 *
 * The classic libpcap format, written here in a few lines rather than
 * linked: a 24-byte file header (magic 0xa1b2c3d4, version 2.4, snapshot
 * length 65535, link type 1: Ethernet), then per frame a 16-byte record
 * header (seconds, microseconds, bytes kept, bytes on the wire) and the
 * frame.  Each record goes out in one writev(), without a buffer in
 * this process: a VMM that is killed leaves a file tcpdump still reads
 * up to the last whole frame.
 */
#ifndef KVMLAB_NET_PCAP_H
#define KVMLAB_NET_PCAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_MAGIC	    0xa1b2c3d4u
#define PCAP_SNAPLEN	    65535u
#define PCAP_LINKTYPE_ETHER 1u

/* The direction of a frame, as the NIC's frame tap gives it. */
enum { PCAP_TO_GUEST = 0, PCAP_FROM_GUEST = 1 };

struct pcap {
	const char *path;
	int fd;		      /* -1: none, or closed after an error */
	pthread_mutex_t lock; /* frames come from the vCPU and I/O threads */
	uint64_t frames, bytes;
	uint64_t to_guest, from_guest;
	uint64_t lost; /* frames not written after a write error */
};

/*
 * Create (or truncate) `path` and write the file header.  0, or -errno
 * after saying what failed.  pcap_close() is safe afterwards either way.
 */
int pcap_open(struct pcap *p, const char *path);

/*
 * One record: the Ethernet frame `eth` of `len` bytes, stamped with the
 * time of day, kept whole up to the snapshot length.  A write error is
 * said once; the file is then closed and later frames are counted as
 * lost.  Thread-safe.  0, or -errno.
 */
int pcap_write(struct pcap *p, int dir, const void *eth, size_t len);

/* The frame tap of the virtio-net device: pcap_write with `opaque` the
 * struct pcap. */
void pcap_frame(void *opaque, int dir, const void *eth, size_t len);

void pcap_close(struct pcap *p);

/* --stats: "pcap FILE: 24 frames (2016 bytes): 12 to the guest, 12 from
 * it", and the frames lost if any. */
void pcap_print_stats(const struct pcap *p, FILE *out);

#endif
