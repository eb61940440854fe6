/* SPDX-License-Identifier: MIT */
/*
 * virtionet: the UDP echo burst of chapter 8 (see virtionet.h).
 *
 * Each configuration runs twice: once with a single echo (the guest's
 * boot, its ARP exchange, one datagram, the halt), once with the same
 * and then the burst.  The difference between the two runs' counts is
 * the burst's own, so the boot's few hundred exits do not blur a figure
 * that should be well under one per packet.
 *
 * Exits are what the VMM counted (its "guest stopped ... after N exits"
 * line) plus, without the I/O thread, the times a frame's SIGIO took the
 * vCPU out of KVM_RUN: those return to the VMM too, though KVM reports
 * no exit reason for them.
 */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtionet.h"

#define GUEST_IP "10.0.2.15"
#define WINDOW	 16
#define SIZE	 64

struct run {
	bool ok;
	uint64_t exits, signals, interrupts, kicks;
	double pps;
};

static const struct mode {
	const char *name;
	const char *flags[3];
} modes[] = {
    {"EVENT_IDX, I/O thread    ", {NULL}},
    {"I/O thread, no EVENT_IDX ", {"--no-event-idx", NULL}},
    {"EVENT_IDX, no I/O thread ", {"--no-iothread", NULL}},
    {"neither                  ", {"--no-event-idx", "--no-iothread", NULL}},
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* The whole of a small file, NUL-terminated, or "". */
static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* The number after `key` in text, or 0. */
static uint64_t after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* udpecho with `args`; its "N per second", or -1 when it failed. */
static double udpecho(const char *udpecho_path, const char *args)
{
	char cmd[512], line[256] = "";
	const char *p;
	double pps = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s %s " GUEST_IP " 7", udpecho_path, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	if (pclose(f) == 0 && (p = strstr(line, " s: ")))
		pps = strtod(p + 4, NULL);
	if (pps < 0)
		printf("  (udpecho %s: %s)\n", args, line[0] ? line : "failed");
	return pps;
}

/* One VMM: boot, one echo, `burst` more (0: none), halt; its counts. */
static struct run run_once(const char *ch08, const char *udpecho_path,
			   const struct mode *m, unsigned burst)
{
	char out[] = "/tmp/kvmlab-bench-net.XXXXXX";
	char errf[] = "/tmp/kvmlab-bench-err.XXXXXX";
	char *argv[12] = {(char *)ch08, "--tap",     "tap0",
			  "--stats",	"--timeout", "600"};
	static char text[65536];
	struct run r = {0};
	int fo = mkstemp(out), fe = mkstemp(errf), argc = 6, status;
	unsigned long long rx, tx;
	const char *kicks;
	char args[64];
	pid_t pid;

	for (int i = 0; m->flags[i]; i++)
		argv[argc++] = (char *)m->flags[i];
	argv[argc] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fo, STDOUT_FILENO);
		dup2(fe, STDERR_FILENO);
		execv(ch08, argv);
		_exit(127);
	}
	/* The guest is up when it says so (2 minutes in an emulator). */
	for (int i = 0; i < 1200; i++) {
		slurp(out, text, sizeof(text));
		if (strstr(text, "link up") || waitpid(pid, &status, WNOHANG))
			break;
		sleep_ms(100);
	}
	r.pps = udpecho(udpecho_path, "-n 1");
	if (burst && r.pps >= 0) {
		snprintf(args, sizeof(args), "-n %u -w %d -s %d", burst, WINDOW,
			 SIZE);
		r.pps = udpecho(udpecho_path, args);
	}
	snprintf(args, sizeof(args), "%s -m halt " GUEST_IP " 9", udpecho_path);
	if (system(args) != 0)
		printf("  (cannot send the halt)\n");
	waitpid(pid, &status, 0);
	slurp(errf, text, sizeof(text));
	r.ok = r.pps >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	r.exits = after(text, "status 0 after ");
	r.signals = after(text, "no I/O thread: ");
	r.interrupts = after(text, "; interrupts ");
	kicks = strstr(text, "virtio-net: kicks rx ");
	if (kicks &&
	    sscanf(kicks, "virtio-net: kicks rx %llu tx %llu", &rx, &tx) == 2)
		r.kicks = rx + tx;
	if (!r.ok)
		printf("  (%s%s%s: status %d)\n", ch08, m->flags[0] ? " " : "",
		       m->flags[0] ? m->flags[0] : "",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(fo);
	close(fe);
	unlink(out);
	unlink(errf);
	return r;
}

static double per(uint64_t burst, uint64_t base, unsigned n)
{
	return burst > base ? (double)(burst - base) / n : 0.0;
}

/* In the namespace: the TAP, then each configuration, twice. */
static int measure(const char *ch08, const char *udpecho_path, unsigned n)
{
	if (system("ip link set lo up && "
		   "{ echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6; "
		   "true; } 2>/dev/null && "
		   "ip tuntap add tap0 mode tap && "
		   "ip addr add 10.0.2.1/24 dev tap0 && ip link set tap0 up") !=
	    0) {
		printf("  (skipped: cannot set up tap0 in the namespace)\n");
		return 0;
	}
	printf("  %-26s %10s %14s %18s %14s\n", "", "packets/s", "exits/packet",
	       "interrupts/packet", "kicks/packet");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct run base = run_once(ch08, udpecho_path, &modes[i], 0);
		struct run b = run_once(ch08, udpecho_path, &modes[i], n);

		if (!base.ok || !b.ok) {
			printf("  %s (failed)\n", modes[i].name);
			continue;
		}
		printf("  %-26s %10.0f %14.3f %18.3f %14.3f\n", modes[i].name,
		       b.pps,
		       per(b.exits + b.signals, base.exits + base.signals, n),
		       per(b.interrupts, base.interrupts, n),
		       per(b.kicks, base.kicks, n));
	}
	return 0;
}

void bench_virtio_net(const char *ch08, const char *udpecho_path, bool emulated)
{
	unsigned n = emulated ? 500 : 5000;
	int status;
	pid_t pid;

	printf("\nkvmlab bench: virtio-net, a UDP echo burst (chapter 8, %s)\n"
	       "%u datagrams of %d bytes, at most %d unanswered, from a "
	       "network namespace\nthrough a TAP; per packet: the burst's "
	       "own counts (a run without it subtracted)\n\n",
	       ch08, n, SIZE, WINDOW);
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("  (skipped: /dev/net/tun: %s)\n", strerror(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* A namespace of this child's own: it vanishes with it. */
		if (unshare(CLONE_NEWNET) < 0) {
			printf("  (skipped: cannot make a network namespace: "
			       "%s; `make bench` as root, or inside the "
			       "emulated machine, can)\n",
			       strerror(errno));
			fflush(stdout);
			_exit(0);
		}
		status = measure(ch08, udpecho_path, n);
		fflush(stdout);
		_exit(status);
	}
	waitpid(pid, &status, 0);
}
