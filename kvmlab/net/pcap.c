/* SPDX-License-Identifier: MIT */
/*
 * pcap: frames into a file tcpdump reads (chapter 8; see pcap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kvmlab/base/log.h"
#include "kvmlab/net/pcap.h"

/* The file header (tcpdump's pcap-savefile(5)), in host order: x86's,
 * little-endian, which the magic number tells a reader. */
struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record {
	uint32_t ts_sec, ts_usec;
	uint32_t caplen; /* bytes kept in the file */
	uint32_t len;	 /* bytes of the frame */
};

/* Write all of iov, or fail: a regular file takes it whole, but be sure. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int pcap_open(struct pcap *p, const char *path)
{
	struct pcap_file_header h = {.magic = PCAP_MAGIC,
				     .version_major = 2,
				     .version_minor = 4,
				     .snaplen = PCAP_SNAPLEN,
				     .linktype = PCAP_LINKTYPE_ETHER};
	struct iovec iov = {&h, sizeof(h)};
	int err;

	memset(p, 0, sizeof(*p));
	p->path = path;
	pthread_mutex_init(&p->lock, NULL);
	p->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (p->fd < 0) {
		err = errno;
		error("--pcap %s: cannot create it: %s", path, strerror(err));
		return -err;
	}
	err = write_all(p->fd, &iov, 1);
	if (err) {
		error("--pcap %s: cannot write it: %s", path, strerror(-err));
		close(p->fd);
		p->fd = -1;
	}
	return err;
}

int pcap_write(struct pcap *p, int dir, const void *eth, size_t len)
{
	struct pcap_record r;
	struct iovec iov[2];
	struct timeval tv;
	int err = 0;

	gettimeofday(&tv, NULL);
	r.ts_sec = (uint32_t)tv.tv_sec;
	r.ts_usec = (uint32_t)tv.tv_usec;
	r.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	r.caplen = len > PCAP_SNAPLEN ? PCAP_SNAPLEN : (uint32_t)len;
	iov[0] = (struct iovec){&r, sizeof(r)};
	iov[1] = (struct iovec){(void *)eth, r.caplen};
	pthread_mutex_lock(&p->lock);
	if (p->fd < 0) {
		p->lost++;
		err = -EBADF;
	} else if ((err = write_all(p->fd, iov, 2))) {
		error("--pcap %s: cannot write a frame: %s; the frames after "
		      "it are counted, not written",
		      p->path, strerror(-err));
		close(p->fd);
		p->fd = -1;
		p->lost++;
	} else {
		p->frames++;
		p->bytes += len;
		if (dir == PCAP_TO_GUEST)
			p->to_guest++;
		else
			p->from_guest++;
	}
	pthread_mutex_unlock(&p->lock);
	return err;
}

void pcap_frame(void *opaque, int dir, const void *eth, size_t len)
{
	pcap_write(opaque, dir, eth, len);
}

void pcap_close(struct pcap *p)
{
	if (!p->path)
		return;
	if (p->fd >= 0 && close(p->fd) < 0)
		error("--pcap %s: closing it failed: %s", p->path,
		      strerror(errno));
	p->fd = -1;
}

void pcap_print_stats(const struct pcap *p, FILE *out)
{
	if (!p->path)
		return;
	fprintf(out,
		"pcap %s: %" PRIu64 " frames (%" PRIu64 " bytes): %" PRIu64
		" to the guest, %" PRIu64 " from it",
		p->path, p->frames, p->bytes, p->to_guest, p->from_guest);
	if (p->lost)
		fprintf(out, "; %" PRIu64 " lost to a write error", p->lost);
	fputc('\n', out);
}
