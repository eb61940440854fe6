/* SPDX-License-Identifier: MIT */
/*
 * tap: open a TAP device for the guest's NIC, and say plainly why not
 * (chapter 8; see tap.h).
 *
 * What the tun driver does with TUNSETIFF (drivers/net/tun.c,
 * tun_set_iff), which decides every message below:
 *
 *   - an interface of that name exists: it must be a TAP (a TUN, a
 *     bridge, `lo` give EINVAL), with the same IFF_MULTI_QUEUE setting
 *     (EINVAL otherwise); if it has an owner or group, the caller must
 *     match it or have CAP_NET_ADMIN (EPERM); a single-queue TAP takes
 *     one file at a time (EBUSY: another process holds it).  Our flags,
 *     IFF_VNET_HDR included, then replace the ones it had.
 *   - none exists: it is created, which needs CAP_NET_ADMIN in the
 *     network namespace's user namespace (EPERM).  It is not
 *     persistent: it disappears when the last file closes.  With
 *     IFF_TUN_EXCL the call fails (EBUSY) instead of attaching if the
 *     name appeared meanwhile.
 */
#define _GNU_SOURCE /* F_SETOWN_EX, F_SETSIG */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "abi/machine.h"
#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/net/tap.h"

#define TUN_PATH "/dev/net/tun"

static char fix_buf[512];

const char *tap_why(enum tap_step step, int err)
{
	switch (step) {
	case TAP_OPEN_TUN:
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			return "this kernel has no TUN/TAP driver loaded (the "
			       "tun module)";
		if (err == EACCES || err == EPERM)
			return "you may not open " TUN_PATH
			       " (it is normally open to everyone: mode 0666)";
		break;
	case TAP_LOOKUP:
		return "no network interface has that name";
	case TAP_SETIFF:
		switch (err) {
		case EPERM:
		case EACCES:
			return "creating a TAP, or using one that belongs to "
			       "another user, needs CAP_NET_ADMIN";
		case EBUSY:
			return "another process has this TAP open (a "
			       "single-queue TAP serves one at a time)";
		case EINVAL:
			return "that interface is not a single-queue TAP (a "
			       "TUN, a loopback, a bridge, or a TAP made "
			       "with multi_queue)";
		default:
			break;
		}
		break;
	case TAP_VNETHDR:
		if (err == EINVAL || err == ENOTTY)
			return "this kernel's TAP refuses the 12-byte virtio "
			       "net header (Linux 2.6.32 and later take it)";
		break;
	case TAP_DOWN:
		return "the link is down: the host would never send a frame "
		       "through it";
	case TAP_SETUP:
		if (err == EPERM || err == EACCES)
			return "bringing a link up needs CAP_NET_ADMIN";
		break;
	}
	return strerror(err);
}

const char *tap_fix(enum tap_step step, int err, const char *name)
{
	const char *f = "run `make doctor` for a full check";

	switch (step) {
	case TAP_OPEN_TUN:
		if (err == EACCES || err == EPERM)
			f = "`sudo chmod 0666 " TUN_PATH "`";
		else
			f = "`sudo modprobe tun` (and, if " TUN_PATH
			    " is missing: `sudo mkdir -p /dev/net && sudo "
			    "mknod " TUN_PATH " c 10 200`)";
		snprintf(fix_buf, sizeof(fix_buf), "%s", f);
		return fix_buf;
	case TAP_LOOKUP:
		snprintf(fix_buf, sizeof(fix_buf),
			 "create it: `sudo ip tuntap add %s mode tap user "
			 "$USER && sudo ip link set %s up`, or pass "
			 "--create-tap (as root, or inside `unshare -Urn`)",
			 name, name);
		return fix_buf;
	case TAP_SETIFF:
		switch (err) {
		case EPERM:
		case EACCES:
			snprintf(fix_buf, sizeof(fix_buf),
				 "run as root, or in a namespace of your own "
				 "(`unshare -Urn`), or have an admin create "
				 "it for you: `sudo ip tuntap add %s mode tap "
				 "user $USER`",
				 name);
			return fix_buf;
		case EBUSY:
			snprintf(fix_buf, sizeof(fix_buf),
				 "stop that process (above, if it could be "
				 "found), or use another TAP: `sudo ip tuntap "
				 "add NAME mode tap user $USER`");
			return fix_buf;
		case EINVAL:
			snprintf(fix_buf, sizeof(fix_buf),
				 "name a TAP (`ip -d link show %s` says "
				 "\"tun type tap\"), or make one: `sudo ip "
				 "tuntap add NAME mode tap user $USER`",
				 name);
			return fix_buf;
		default:
			break;
		}
		break;
	case TAP_VNETHDR:
		return "use a newer kernel";
	case TAP_DOWN:
		snprintf(fix_buf, sizeof(fix_buf), "`sudo ip link set %s up`",
			 name);
		return fix_buf;
	case TAP_SETUP:
		snprintf(fix_buf, sizeof(fix_buf),
			 "run as root or in `unshare -Urn`, or bring it up "
			 "first: `sudo ip link set %s up`",
			 name);
		return fix_buf;
	}
	return f;
}

static void explain(const char *what, enum tap_step step, int err,
		    const char *name)
{
	error("TAP %s: %s: %s", name, what, strerror(err));
	hint("why: %s", tap_why(step, err));
	hint("fix: %s", tap_fix(step, err, name));
}

/*
 * EBUSY: which process holds `name`?  Every file of the tun driver says
 * in /proc/PID/fdinfo/FD the interface it is attached to ("iff:\tNAME").
 * Only our own user's processes (or all, as root) can be read; silent
 * if none is found.
 */
static void say_holder(const char *name)
{
	DIR *procs = opendir("/proc");
	struct dirent *p;
	char want[IFNAMSIZ + 8];

	snprintf(want, sizeof(want), "iff:\t%s\n", name);
	while (procs && (p = readdir(procs))) {
		char path[600], line[128], comm[64] = "?";
		struct dirent *f;
		DIR *fds;
		FILE *in;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", p->d_name);
		fds = opendir(path);
		while (fds && (f = readdir(fds))) {
			bool found = false;

			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s",
				 p->d_name, f->d_name);
			in = fopen(path, "r");
			while (in && !found && fgets(line, sizeof(line), in))
				found = !strcmp(line, want);
			if (in)
				fclose(in);
			if (!found)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/comm",
				 p->d_name);
			in = fopen(path, "r");
			if (in && fgets(comm, sizeof(comm), in))
				comm[strcspn(comm, "\n")] = 0;
			if (in)
				fclose(in);
			hint("held by: process %s (%s), file descriptor %s",
			     p->d_name, comm, f->d_name);
			break;
		}
		if (fds)
			closedir(fds);
	}
	if (procs)
		closedir(procs);
}

/* SIOCGIFFLAGS / SIOCSIFFLAGS on any socket of this namespace. */
static int if_flags(const char *name, short *flags, bool set)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (set)
		ifr.ifr_flags = *flags;
	r = ioctl(s, set ? SIOCSIFFLAGS : SIOCGIFFLAGS, &ifr);
	r = r < 0 ? -errno : 0;
	if (!r && !set)
		*flags = ifr.ifr_flags;
	close(s);
	return r;
}

static int fail(struct tap *t, int status)
{
	tap_close(t);
	return status;
}

int tap_open(struct tap *t, const char *name, bool create)
{
	struct ifreq ifr = {0};
	int hdr = VIRTIO_NET_HDR_LEN;
	short flags;
	bool exists;
	int err;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (!name || !*name || strlen(name) >= IFNAMSIZ) {
		error("TAP: %s name \"%s\": a Linux interface name has 1 to %d "
		      "characters",
		      name && *name ? "the" : "no", name ? name : "",
		      IFNAMSIZ - 1);
		return ABI_STATUS_USAGE;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	/* The driver: one file per queue, all through /dev/net/tun. */
	t->fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		err = errno;
		explain("cannot open " TUN_PATH, TAP_OPEN_TUN, err, name);
		return fail(t, err == EACCES || err == EPERM
				   ? ABI_STATUS_HOST
				   : ABI_STATUS_UNSUPPORTED);
	}
	/* Without --create-tap, never make one by accident: TUNSETIFF on
	 * a name nobody has would create it. */
	err = if_flags(name, &flags, false);
	if (err && err != -ENODEV) {
		explain("cannot look it up", TAP_LOOKUP, -err, name);
		return fail(t, ABI_STATUS_HOST);
	}
	exists = !err;
	if (!exists && !create) {
		explain("no such interface", TAP_LOOKUP, ENODEV, name);
		return fail(t, ABI_STATUS_HOST);
	}
	/* Attach, or create (exclusively: never someone else's). */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (!exists)
		ifr.ifr_flags |= IFF_TUN_EXCL;
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		explain(exists ? "cannot attach to it" : "cannot create it",
			TAP_SETIFF, err, name);
		if (err == EBUSY)
			say_holder(name);
		return fail(t, ABI_STATUS_HOST);
	}
	t->created = !exists;
	/* Not persistent (the default for a new TAP; said, not assumed):
	 * it disappears with the last file, when this process ends. */
	if (t->created && ioctl(t->fd, TUNSETPERSIST, 0) < 0)
		warning("TAP %s: TUNSETPERSIST 0 failed: %s", name,
			strerror(errno));
	/* virtio 1.x's 12-byte header on every frame; no offloads. */
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		err = errno;
		explain("cannot set the virtio net header", TAP_VNETHDR, err,
			name);
		return fail(t, ABI_STATUS_HOST);
	}
	if (ioctl(t->fd, TUNSETOFFLOAD, 0) < 0) {
		err = errno;
		error("TAP %s: TUNSETOFFLOAD 0 (no offloads) failed: %s", name,
		      strerror(err));
		return fail(t, ABI_STATUS_HOST);
	}
	/* Up?  One we made we bring up; one we were given must be. */
	err = if_flags(name, &flags, false);
	if (!err && !(flags & IFF_UP) && t->created) {
		flags |= IFF_UP;
		err = if_flags(name, &flags, true);
		if (err) {
			explain("cannot bring it up", TAP_SETUP, -err, name);
			return fail(t, ABI_STATUS_HOST);
		}
	}
	if (err) {
		explain("cannot read its flags", TAP_SETUP, -err, name);
		return fail(t, ABI_STATUS_HOST);
	}
	if (!(flags & IFF_UP)) {
		error("TAP %s: the link is down", name);
		hint("why: %s", tap_why(TAP_DOWN, 0));
		hint("fix: %s", tap_fix(TAP_DOWN, 0, name));
		return fail(t, ABI_STATUS_HOST);
	}
	info("TAP %s: %s, vnet header 12 bytes, up", name,
	     t->created ? "created (it goes when this VMM ends)" : "attached");
	return 0;
}

int tap_signal_on_input(struct tap *t, pid_t tid, int sig)
{
	struct f_owner_ex owner = {.type = F_OWNER_TID, .pid = tid};
	int fl = fcntl(t->fd, F_GETFL);

	/* O_ASYNC first: the tun driver makes the whole process the owner
	 * when it is turned on (tun_chr_fasync); then the one thread. */
	if (fl < 0 || fcntl(t->fd, F_SETFL, fl | O_ASYNC) < 0 ||
	    fcntl(t->fd, F_SETSIG, sig) < 0 ||
	    fcntl(t->fd, F_SETOWN_EX, &owner) < 0) {
		int err = errno;

		error("TAP %s: cannot have frames signalled (O_ASYNC): %s",
		      t->name, strerror(err));
		return -err;
	}
	return 0;
}

ssize_t tap_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	struct tap *t = opaque;
	ssize_t n = writev(t->fd, iov, iovcnt);

	if (n < 0) {
		t->tx_errors++;
		t->last_errno = errno;
		return -errno;
	}
	t->tx_frames++;
	t->tx_bytes += (uint64_t)n;
	return n;
}

ssize_t tap_recv(void *opaque, void *buf, size_t len)
{
	struct tap *t = opaque;
	ssize_t n = read(t->fd, buf, len);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		t->rx_errors++;
		t->last_errno = errno;
		return -errno;
	}
	t->rx_frames++;
	t->rx_bytes += (uint64_t)n;
	return n;
}

void tap_close(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

void tap_print_stats(const struct tap *t, FILE *out)
{
	if (!t->name[0])
		return;
	fprintf(out,
		"tap %s (%s): tx %" PRIu64 " frames (%" PRIu64
		" bytes), rx %" PRIu64 " frames (%" PRIu64 " bytes)",
		t->name, t->created ? "created" : "attached", t->tx_frames,
		t->tx_bytes, t->rx_frames, t->rx_bytes);
	if (t->tx_errors || t->rx_errors)
		fprintf(out,
			"; errors: %" PRIu64 " tx, %" PRIu64 " rx (last: %s)",
			t->tx_errors, t->rx_errors, strerror(t->last_errno));
	fputc('\n', out);
}
