/* SPDX-License-Identifier: MIT */
/*
 * tap: the host's end of the guest's network card (chapter 8).
 *
 * A TAP device is a network interface whose wire is a file descriptor:
 * every Ethernet frame the host's stack sends out of it (an ARP request,
 * a ping to the guest) can be read from the fd, and every frame written
 * to the fd arrives at the host as if a cable had delivered it.  The VMM
 * holds the fd and moves frames between it and the guest's virtqueues,
 * as QEMU's `-netdev tap` does (and `tunctl` made such devices before
 * `ip tuntap`).
 *
 * It is opened with IFF_TAP (Ethernet frames, not IP packets), IFF_NO_PI
 * (no 4-byte protocol prefix) and IFF_VNET_HDR: each frame, both ways,
 * starts with the same 12-byte virtio_net_hdr the guest's driver writes
 * (TUNSETVNETHDRSZ 12, abi/virtio.h), so the header crosses the VMM
 * unchanged.  TUNSETOFFLOAD 0 tells the kernel the guest takes no
 * offloads: every frame the host's stack gives the TAP for the guest
 * arrives whole (no large segment left to split) and checksummed.
 *
 * Setting a TAP up is where a student meets Linux's network privileges;
 * each failure is said in one line with its fix, as /dev/kvm's are
 * (kvm/kvm.c).
 */
#ifndef KVMLAB_NET_TAP_H
#define KVMLAB_NET_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

struct tap {
	char name[IFNAMSIZ];
	int fd;	      /* /dev/net/tun, non-blocking; -1: none */
	bool created; /* made by tap_open(): it goes when fd closes */
	/* For --stats.  Frames the guest sent (tx) and the host gave (rx),
	 * vnet header included in the bytes. */
	uint64_t tx_frames, tx_bytes, tx_errors;
	uint64_t rx_frames, rx_bytes, rx_errors;
	int last_errno; /* of the last tx or rx error, for --stats */
};

/* Where tap_open() failed, for tap_why() and tap_fix(). */
enum tap_step {
	TAP_OPEN_TUN, /* open("/dev/net/tun") */
	TAP_LOOKUP,   /* the name does not exist (and may not be made) */
	TAP_SETIFF,   /* TUNSETIFF: attach to, or create, the device */
	TAP_VNETHDR,  /* TUNSETVNETHDRSZ / TUNSETOFFLOAD */
	TAP_DOWN,     /* the link is down */
	TAP_SETUP,    /* bringing up a TAP we created */
};

/*
 * Open the TAP called `name`: attach to an existing one, or, if `create`
 * (--create-tap) and no interface has that name, create it, not
 * persistent, so it disappears when this process ends, and bring it up.
 * Then set the 12-byte vnet header, no offloads, and check that the link
 * is up.  Returns 0; otherwise, after saying what failed, why and the
 * fix: ABI_STATUS_UNSUPPORTED when this kernel has no TUN/TAP driver,
 * ABI_STATUS_HOST for everything else (no privileges, busy, not a TAP,
 * down).  tap_close() is safe afterwards either way.
 */
int tap_open(struct tap *t, const char *name, bool create);

/*
 * --no-iothread: have the kernel send `sig` to thread `tid` each time a
 * frame arrives (O_ASYNC, F_SETSIG, F_SETOWN_EX), so that a vCPU thread
 * in KVM_RUN returns with EINTR to take it.  0, or -errno (said).
 */
int tap_signal_on_input(struct tap *t, pid_t tid, int sig);

/*
 * The backend's two calls, as the virtio-net device makes them, with the
 * struct tap as `opaque`.  tap_send writes one frame (vnet header first)
 * gathered from iov; it returns the bytes written or -errno.  tap_recv
 * reads one frame (vnet header first) into buf; it returns its length,
 * -EAGAIN when none is waiting, or another -errno.  Errors are counted
 * (tx_errors, rx_errors), not said: the data path may not flood stderr.
 */
ssize_t tap_send(void *opaque, const struct iovec *iov, int iovcnt);
ssize_t tap_recv(void *opaque, void *buf, size_t len);

/* Close the fd: a TAP we created disappears with it. */
void tap_close(struct tap *t);

/* The reason for `err` at `step`, and the fix, in plain words (name:
 * the device, for the commands the fix quotes).  For tap_open and the
 * unit tests; the strings live until the next call. */
const char *tap_why(enum tap_step step, int err);
const char *tap_fix(enum tap_step step, int err, const char *name);

/* --stats: "tap tap0 (attached): tx 12 frames (1234 bytes), rx 10 ..." */
void tap_print_stats(const struct tap *t, FILE *out);

#endif
