/* SPDX-License-Identifier: MIT */
/*
 * iothread: the thread that waits for the devices (chapter 6; see
 * iothread.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvmlab/base/log.h"
#include "kvmlab/irq/iothread.h"

int iothread_init(struct iothread *t)
{
	memset(t, 0, sizeof(*t));
	t->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->kick_fd < 0) {
		int err = errno;

		error("eventfd for the I/O thread failed: %s", strerror(err));
		return -err;
	}
	return 0;
}

int iothread_add(struct iothread *t, const char *name, int fd,
		 void (*ready)(void *opaque), bool (*want)(void *opaque),
		 void *opaque)
{
	if (t->nsrc >= IOTHREAD_SOURCES || t->started)
		return -ENOSPC;
	t->src[t->nsrc++] = (struct iothread_source){.name = name,
						     .fd = fd,
						     .ready = ready,
						     .want = want,
						     .opaque = opaque};
	return 0;
}

static void *iothread_main(void *arg)
{
	struct iothread *t = arg;
	struct pollfd pfd[IOTHREAD_SOURCES + 1];
	unsigned idx[IOTHREAD_SOURCES + 1];

	while (!t->stopping) {
		unsigned n = 0;
		uint64_t count;

		pfd[n++] = (struct pollfd){.fd = t->kick_fd, .events = POLLIN};
		for (unsigned i = 0; i < t->nsrc; i++) {
			struct iothread_source *s = &t->src[i];

			if (s->want && !s->want(s->opaque))
				continue;
			idx[n] = i;
			pfd[n++] =
			    (struct pollfd){.fd = s->fd, .events = POLLIN};
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			error("the I/O thread's poll failed: %s",
			      strerror(errno));
			break;
		}
		if (pfd[0].revents && read(t->kick_fd, &count, 8) < 0 &&
		    errno != EAGAIN)
			break;
		for (unsigned k = 1; k < n && !t->stopping; k++) {
			struct iothread_source *s = &t->src[idx[k]];

			/* POLLHUP and POLLERR too: ready() reads the end. */
			if (!pfd[k].revents)
				continue;
			s->wakeups++;
			s->ready(s->opaque);
		}
	}
	return NULL;
}

int iothread_start(struct iothread *t)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&t->thread, NULL, iothread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		error("cannot start the I/O thread: %s", strerror(err));
		return -err;
	}
	t->started = true;
	return 0;
}

void iothread_kick(struct iothread *t)
{
	uint64_t one = 1;

	if (write(t->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		warning("cannot wake the I/O thread: %s", strerror(errno));
}

void iothread_stop(struct iothread *t)
{
	if (t->started) {
		t->stopping = true;
		iothread_kick(t);
		pthread_join(t->thread, NULL);
		t->started = false;
	}
	if (t->kick_fd > 0)
		close(t->kick_fd);
	t->kick_fd = -1;
}

void iothread_print_stats(const struct iothread *t, FILE *out)
{
	for (unsigned i = 0; i < t->nsrc; i++)
		fprintf(out, "I/O thread: %s: woken %" PRIu64 " times\n",
			t->src[i].name, t->src[i].wakeups);
}
