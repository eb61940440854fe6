/* SPDX-License-Identifier: MIT */
/*
 * bootargs.c: ip=, gw=, ping=, count= and once (chapter 8), dhcp and
 * ping= lists (chapter 9); see bootargs.h.
 *
 * Numbers are read here rather than with strtoul so that "10.0.2.15x"
 * or "count=-1" is an error, not a half-read value.
 */
#include <string.h>

#include "bootargs.h"

/* A decimal number up to `max` at *s; *s moves past it.  -1: none. */
static int number(const char **s, unsigned long max, unsigned long *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		*v = *v * 10 + (unsigned long)(*p - '0');
		if (*v > max)
			return -1;
	}
	*s = p;
	return 0;
}

int parse_ipv4(const char *s, const char **end, uint32_t *ip)
{
	unsigned long byte;

	*ip = 0;
	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return -1;
		if (number(&s, 255, &byte) < 0)
			return -1;
		*ip = *ip << 8 | (uint32_t)byte;
	}
	if (end)
		*end = s;
	return 0;
}

static bool word_end(const char *s)
{
	return *s == '\0' || *s == ' ';
}

/* "name=" at s: the value after it, or NULL. */
static const char *value_of(const char *s, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(s, name, n) == 0 && s[n] == '=')
		return s + n + 1;
	return NULL;
}

/* Is the word at w exactly `name`? */
static bool is_word(const char *w, const char *name)
{
	size_t n = strlen(name);

	return strncmp(w, name, n) == 0 && word_end(w + n);
}

/* ping=A.B.C.D,gw,...: the list into cfg->ping. */
static int parse_targets(const char *s, struct net_config *cfg)
{
	uint32_t ip;

	for (cfg->pings = 0;; s++) {
		if (cfg->pings == NET_PING_TARGETS)
			return -1;
		if (strncmp(s, "gw", 2) == 0 &&
		    (s[2] == ',' || word_end(s + 2))) {
			ip = NET_PING_GATEWAY;
			s += 2;
		} else if (parse_ipv4(s, &s, &ip) < 0 ||
			   ip == NET_PING_GATEWAY) {
			return -1;
		}
		cfg->ping[cfg->pings++] = ip;
		if (*s != ',')
			return word_end(s) ? 0 : -1;
	}
}

static int parse_word(const char *w, struct net_config *cfg)
{
	const char *v, *end;
	unsigned long n;

	if ((v = value_of(w, "ip"))) {
		if (parse_ipv4(v, &end, &cfg->ip) < 0 || *end++ != '/' ||
		    number(&end, 32, &n) < 0 || !word_end(end))
			return -1;
		cfg->prefix = (unsigned)n;
		cfg->netmask = n ? ~0u << (32 - n) : 0;
	} else if ((v = value_of(w, "gw"))) {
		if (parse_ipv4(v, &end, &cfg->gw) < 0 || !word_end(end))
			return -1;
	} else if ((v = value_of(w, "ping"))) {
		if (parse_targets(v, cfg) < 0)
			return -1;
	} else if ((v = value_of(w, "count"))) {
		end = v;
		if (number(&end, NET_PING_MAX, &n) < 0 || !n || !word_end(end))
			return -1;
		cfg->count = (unsigned)n;
	} else if (is_word(w, "once")) {
		cfg->once = true;
	} else if (is_word(w, "dhcp")) {
		cfg->dhcp = true;
	}
	return 0;
}

int net_parse_bootargs(const char *args, struct net_config *cfg,
		       const char **bad)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->count = NET_PING_COUNT;
	for (const char *w = args; w && *w;) {
		while (*w == ' ')
			w++;
		if (!*w)
			break;
		if (parse_word(w, cfg) < 0) {
			if (bad)
				*bad = w;
			return -1;
		}
		while (!word_end(w))
			w++;
	}
	return 0;
}
