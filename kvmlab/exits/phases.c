/* SPDX-License-Identifier: MIT */
/*
 * phases: costs between the guest's marks, and the table (chapter 7;
 * see phases.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvmlab/base/log.h"
#include "kvmlab/exits/phases.h"

void phases_init(struct phases *p)
{
	memset(p, 0, sizeof(*p));
}

void phases_mark(struct phases *p, uint64_t exits, uint64_t ns, uint64_t bytes)
{
	if (p->marks >= 2 * PHASES_MAX) {
		p->dropped++;
		return;
	}
	p->mark[p->marks++] = (struct phase){exits, ns, bytes};
}

int phases_get(const struct phases *p, unsigned i, struct phase *out)
{
	const struct phase *a, *b;

	if (i >= PHASES_MAX || 2 * i + 1 >= p->marks)
		return -ENOENT;
	a = &p->mark[2 * i];
	b = &p->mark[2 * i + 1];
	/* The start mark's own exit is in b's count, not in a's. */
	out->exits = b->exits > a->exits ? b->exits - a->exits - 1 : 0;
	out->ns = b->ns - a->ns;
	out->bytes = b->bytes - a->bytes;
	return 0;
}

/* x as a share of `of`: "1", "0", "1/68" or, above it, "2.5x". */
static const char *share(double x, double of, char *buf, size_t len)
{
	if (x == of)
		snprintf(buf, len, "1");
	else if (x <= 0)
		snprintf(buf, len, "0");
	else if (of <= 0)
		snprintf(buf, len, "-");
	else if (x < of)
		snprintf(buf, len, "1/%.*f", of / x < 100 ? 1 : 0, of / x);
	else
		snprintf(buf, len, "%.1fx", x / of);
	return buf;
}

int phases_print(const struct phases *p, const char *const names[], unsigned n,
		 uint64_t lines, FILE *out)
{
	struct phase ph[PHASES_MAX] = {{0}};
	char e[24], t[24], bpe[24];

	if (n > PHASES_MAX)
		n = PHASES_MAX;
	for (unsigned i = 0; i < n; i++) {
		if (phases_get(p, i, &ph[i]) == 0)
			continue;
		error("the guest marked %u phase boundaries, not the %u the "
		      "table needs: no table",
		      p->marks, 2 * n);
		return -ENOENT;
	}
	fprintf(out,
		"\nthe same %" PRIu64 " lines (%" PRIu64
		" bytes) through each console, as the VMM counted them:\n\n",
		lines, ph[0].bytes);
	fprintf(out, "  %-24s %8s %10s %10s %10s %12s %10s\n", "console",
		"exits", "exits/line", "bytes/exit", "wall ms", "exits vs (a)",
		"time vs (a)");
	for (unsigned i = 0; i < n; i++) {
		if (ph[i].exits)
			snprintf(bpe, sizeof(bpe), "%.2f",
				 (double)ph[i].bytes / (double)ph[i].exits);
		else
			snprintf(bpe, sizeof(bpe), "no exit");
		fprintf(
		    out, "  %-24s %8" PRIu64 " %10.2f %10s %10.2f %12s %10s\n",
		    names[i], ph[i].exits,
		    lines ? (double)ph[i].exits / (double)lines : 0.0, bpe,
		    (double)ph[i].ns / 1e6,
		    share((double)ph[i].exits, (double)ph[0].exits, e,
			  sizeof(e)),
		    share((double)ph[i].ns, (double)ph[0].ns, t, sizeof(t)));
	}
	for (unsigned i = 1; i < n; i++)
		if (ph[i].bytes != ph[0].bytes)
			fprintf(out,
				"  (%s printed %" PRIu64 " bytes, not %" PRIu64
				": its row is not a fair comparison)\n",
				names[i], ph[i].bytes, ph[0].bytes);
	fputc('\n', out);
	return 0;
}
