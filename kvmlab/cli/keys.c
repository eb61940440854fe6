/* SPDX-License-Identifier: MIT */
/*
 * keys: parse the headless viewer's key scripts (see keys.h).
 *
 * Scripts are how the tests drive the viewer: the same keys a student
 * presses, so a golden frame shows what the student would see after
 * pressing them.
 */
#include <stdio.h>
#include <string.h>

#include "kvmlab/cli/keys.h"

static const struct {
	const char *name;
	int key;
} named[] = {
    {"enter", KEY_ENTER_}, {"esc", KEY_ESC_}, {"tab", KEY_TAB_},
    {"bs", KEY_BS_},	   {"space", ' '},    {"lt", '<'},
    {"frame", VKEY_FRAME},
};

int keys_parse(const char *script, int *keys, size_t max, char *err,
	       size_t errlen)
{
	size_t n = 0;

	for (const char *p = script; *p; n++) {
		const char *end;
		size_t i, len;

		if (n == max) {
			snprintf(err, errlen, "more than %zu keys", max);
			return -1;
		}
		if (*p == '\n') { /* a newline typed into the script: Enter */
			keys[n] = KEY_ENTER_;
			p++;
			continue;
		}
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen,
				 "byte 0x%02x is not a key (write Tab as "
				 "<tab>, Esc as <esc>)",
				 (unsigned char)*p);
			return -1;
		}
		if (*p != '<') {
			keys[n] = *p++;
			continue;
		}
		end = strchr(p, '>');
		len = end ? (size_t)(end - p - 1) : 0;
		for (i = 0; end && i < sizeof(named) / sizeof(named[0]); i++)
			if (strlen(named[i].name) == len &&
			    strncmp(p + 1, named[i].name, len) == 0)
				break;
		if (!end || i == sizeof(named) / sizeof(named[0])) {
			snprintf(
			    err, errlen,
			    "unknown key name at \"%.12s\" (known: <enter> "
			    "<esc> <tab> <bs> <space> <lt> <frame>)",
			    p);
			return -1;
		}
		keys[n] = named[i].key;
		p = end + 1;
	}
	return (int)n;
}
