/* SPDX-License-Identifier: MIT */
/*
 * udpecho: the UDP client of chapter 8's tests and bench, run in the
 * test's network namespace against the guest's echo service (port 7).
 *
 *   udpecho [-n COUNT] [-w WINDOW] [-s SIZE] [-t MS] HOST PORT
 *	sends COUNT datagrams of SIZE bytes (default 1, 1, 64), keeping at
 *	most WINDOW unanswered, checks that each reply is the datagram
 *	sent, and prints
 *	"udpecho: 1000 sent, 1000 received, 0 lost in 0.512 s: 1953 per second"
 *	A reply that does not come within MS milliseconds (default 1000)
 *	counts as lost.  Exit status 0 when every datagram came back.
 *   udpecho -m TEXT HOST PORT
 *	sends one datagram holding TEXT and waits for nothing (the guest's
 *	"halt" on port 9).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIZE_MAX_UDP 1472

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Datagram `seq`: its number, then bytes that depend on it. */
static void fill(uint8_t *buf, size_t size, uint32_t seq)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
	if (size >= 4)
		memcpy(buf, &seq, 4);
}

static int usage(void)
{
	fprintf(stderr, "usage: udpecho [-n COUNT] [-w WINDOW] [-s SIZE] "
			"[-t MS] HOST PORT\n"
			"       udpecho -m TEXT HOST PORT\n");
	return 64;
}

int main(int argc, char **argv)
{
	long count = 1, window = 1, size = 64, timeout_ms = 1000;
	const char *message = NULL;
	struct sockaddr_in to = {.sin_family = AF_INET};
	uint8_t out[SIZE_MAX_UDP], in[SIZE_MAX_UDP + 1];
	long sent = 0, received = 0, lost = 0, outstanding = 0, bad = 0;
	uint8_t *answered;
	double start, secs;
	int opt, s, status = 1;

	while ((opt = getopt(argc, argv, "n:w:s:t:m:")) != -1) {
		switch (opt) {
		case 'n':
			count = atol(optarg);
			break;
		case 'w':
			window = atol(optarg);
			break;
		case 's':
			size = atol(optarg);
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		case 'm':
			message = optarg;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2 || count < 1 || window < 1 || size < 0 ||
	    size > SIZE_MAX_UDP ||
	    inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1)
		return usage();
	to.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("udpecho: socket");
		return 71;
	}
	if (message) {
		if (send(s, message, strlen(message), 0) < 0) {
			perror("udpecho: send");
			return 1;
		}
		return 0;
	}
	answered = calloc((size_t)count, 1);
	if (!answered) {
		perror("udpecho: calloc");
		return 71;
	}
	start = now();
	while (received + lost < count) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		ssize_t n;
		uint32_t seq;

		while (sent < count && outstanding < window) {
			fill(out, (size_t)size, (uint32_t)sent);
			/* ECONNREFUSED: an earlier datagram's ICMP error
			 * (nobody listened yet); this one went out. */
			if (send(s, out, (size_t)size, 0) < 0 &&
			    errno != ECONNREFUSED) {
				perror("udpecho: send");
				goto out;
			}
			sent++;
			outstanding++;
		}
		if (poll(&p, 1, (int)timeout_ms) <= 0) {
			/* The window's replies are not coming: lost. */
			lost += outstanding;
			outstanding = 0;
			continue;
		}
		n = recv(s, in, sizeof(in), 0);
		if (n < 0) {
			if (errno == ECONNREFUSED || errno == EINTR)
				continue;
			perror("udpecho: recv");
			goto out;
		}
		/* One of ours, whole, not seen before? */
		seq = 0;
		if (size >= 4 && n >= 4)
			memcpy(&seq, in, 4);
		else if (size < 4)
			seq = (uint32_t)received; /* cannot tell: in order */
		fill(out, (size_t)size, seq);
		if (n != size || seq >= (uint32_t)sent || answered[seq] ||
		    memcmp(in, out, (size_t)size)) {
			bad++;
			continue;
		}
		answered[seq] = 1;
		received++;
		if (outstanding > 0)
			outstanding--;
	}
	secs = now() - start;
	printf("udpecho: %ld sent, %ld received, %ld lost in %.3f s: %.0f per "
	       "second",
	       sent, received, lost, secs, secs > 0 ? received / secs : 0.0);
	if (bad)
		printf(" (%ld replies not ours or damaged)", bad);
	printf("\n");
	status = received == count ? 0 : 1;
out:
	free(answered);
	return status;
}
