/* SPDX-License-Identifier: MIT */
/*
 * pngstat: how much is drawn in a screenshot?  (tests/slides/render.sh)
 *
 *   pngstat [-b ROWS] FILE...
 *
 * prints one line per file:
 *
 *   FILE WIDTHxHEIGHT colours N ink N
 *
 * or, with -b, one line per band of ROWS rows from the top (a screenshot
 * of several slides stacked one above the other), numbered from 1:
 *
 *   FILE#N WIDTHxROWS colours N ink N
 *
 * `colours` counts the distinct colours; `ink` counts the pixels whose
 * colour is not the most common one, the background.  A blank page has one
 * colour and no ink; a slide with a title and a few lines of text has
 * thousands of ink pixels.  The slide test decides what is enough.
 *
 * It reads the PNGs Chromium writes (8 bits per channel, grey, grey+alpha,
 * RGB or RGBA, not interlaced) with its own inflate (RFC 1950/1951), so the
 * test needs no image library.  Exit status 0, or 1 if a file could not be
 * read, with the reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Inflate: the decompressor of zlib streams, after RFC 1951 ---------- */

#define MAXBITS 15

struct inflate {
	const uint8_t *in;
	size_t in_len, in_pos;
	uint32_t bitbuf; /* bits read from `in` and not used yet */
	int bitcnt;
	uint8_t *out;
	size_t out_len, out_pos;
};

/* A canonical Huffman code: how many codes of each length, and the symbols
 * ordered by code. */
struct huffman {
	short count[MAXBITS + 1];
	short symbol[288];
};

/* The next `need` bits (at most 16), least significant first; -1 at the end
 * of the input. */
static int bits(struct inflate *s, int need)
{
	uint32_t v = s->bitbuf;

	while (s->bitcnt < need) {
		if (s->in_pos == s->in_len)
			return -1;
		v |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = v >> need;
	s->bitcnt -= need;
	return (int)(v & ((1u << need) - 1));
}

/* Build a code from the code length of each symbol.  Returns 0 for a
 * complete code, more than 0 for an incomplete one, -1 for an impossible
 * one (more codes of a length than there is room for). */
static int huff_build(struct huffman *h, const short *length, int n)
{
	short offs[MAXBITS + 1];
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (int i = 0; i < n; i++)
		h->count[length[i]]++;
	if (h->count[0] == n)
		return 0;
	for (int len = 1; len <= MAXBITS; len++) {
		left = left * 2 - h->count[len];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (int len = 1; len < MAXBITS; len++)
		offs[len + 1] = (short)(offs[len] + h->count[len]);
	for (int i = 0; i < n; i++)
		if (length[i])
			h->symbol[offs[length[i]]++] = (short)i;
	return left;
}

/* Read one symbol, a bit at a time (codes are stored most significant bit
 * first); -1 on bad input. */
static int huff_decode(struct inflate *s, const struct huffman *h)
{
	int code = 0, first = 0, index = 0;

	for (int len = 1; len <= MAXBITS; len++) {
		int b = bits(s, 1);

		if (b < 0)
			return -1;
		code |= b;
		if (code - h->count[len] < first)
			return h->symbol[index + (code - first)];
		index += h->count[len];
		first = (first + h->count[len]) << 1;
		code <<= 1;
	}
	return -1;
}

/* RFC 1951, 3.2.5: what length and distance codes stand for. */
static const short len_base[29] = {3,  4,  5,  6,   7,	 8,   9,   10,	11, 13,
				   15, 17, 19, 23,  27,	 31,  35,  43,	51, 59,
				   67, 83, 99, 115, 131, 163, 195, 227, 258};
static const short len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				    2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const short dist_base[30] = {
    1,	  2,	3,    4,    5,	  7,	9,    13,    17,    25,
    33,	  49,	65,   97,   129,  193,	257,  385,   513,   769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const short dist_extra[30] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
				     4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
				     9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* The body of a compressed block: literals, and (length, distance) pairs
 * that copy earlier output, up to the end-of-block symbol 256. */
static int codes(struct inflate *s, const struct huffman *lc,
		 const struct huffman *dc)
{
	for (;;) {
		int sym = huff_decode(s, lc), d, e1, e2;
		size_t len, dist;

		if (sym < 0)
			return -1;
		if (sym < 256) {
			if (s->out_pos == s->out_len)
				return -1;
			s->out[s->out_pos++] = (uint8_t)sym;
			continue;
		}
		if (sym == 256)
			return 0;
		sym -= 257;
		if (sym >= 29)
			return -1;
		e1 = bits(s, len_extra[sym]);
		d = huff_decode(s, dc);
		if (e1 < 0 || d < 0 || d >= 30)
			return -1;
		e2 = bits(s, dist_extra[d]);
		if (e2 < 0)
			return -1;
		len = (size_t)(len_base[sym] + e1);
		dist = (size_t)(dist_base[d] + e2);
		if (dist > s->out_pos || len > s->out_len - s->out_pos)
			return -1;
		for (; len; len--, s->out_pos++)
			s->out[s->out_pos] = s->out[s->out_pos - dist];
	}
}

/* Block type 0: bytes stored as they are, from the next byte boundary. */
static int stored(struct inflate *s)
{
	const uint8_t *p = s->in + s->in_pos;
	size_t len;

	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->in_len - s->in_pos < 4)
		return -1;
	len = (size_t)(p[0] | p[1] << 8);
	if (len != (size_t)(~(p[2] | p[3] << 8) & 0xffff))
		return -1;
	s->in_pos += 4;
	if (s->in_len - s->in_pos < len || s->out_len - s->out_pos < len)
		return -1;
	memcpy(s->out + s->out_pos, s->in + s->in_pos, len);
	s->in_pos += len;
	s->out_pos += len;
	return 0;
}

/* Block type 1: the fixed codes of RFC 1951, 3.2.6. */
static int fixed(struct inflate *s)
{
	static struct huffman lc, dc;
	static int built;

	if (!built) {
		short l[288];

		for (int i = 0; i < 288; i++)
			l[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
		huff_build(&lc, l, 288);
		for (int i = 0; i < 30; i++)
			l[i] = 5;
		huff_build(&dc, l, 30);
		built = 1;
	}
	return codes(s, &lc, &dc);
}

/* Block type 2: the codes are described at the start of the block, in a
 * code of their own (RFC 1951, 3.2.7). */
static int dynamic(struct inflate *s)
{
	static const short order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
					11, 4,	12, 3, 13, 2, 14, 1, 15};
	short lengths[286 + 30];
	struct huffman lc, dc;
	int nlen = bits(s, 5) + 257, ndist = bits(s, 5) + 1;
	int ncode = bits(s, 4) + 4, i = 0, r;

	if (nlen < 257 || ndist < 1 || ncode < 4 || nlen > 286 || ndist > 30)
		return -1;
	for (; i < ncode; i++) {
		r = bits(s, 3);
		if (r < 0)
			return -1;
		lengths[order[i]] = (short)r;
	}
	for (; i < 19; i++)
		lengths[order[i]] = 0;
	if (huff_build(&lc, lengths, 19) != 0)
		return -1;

	for (i = 0; i < nlen + ndist;) {
		int sym = huff_decode(s, &lc), rep;
		short len = 0;

		if (sym < 0)
			return -1;
		if (sym < 16) {
			lengths[i++] = (short)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return -1;
			len = lengths[i - 1];
			r = bits(s, 2);
			rep = 3 + r;
		} else if (sym == 17) {
			r = bits(s, 3);
			rep = 3 + r;
		} else {
			r = bits(s, 7);
			rep = 11 + r;
		}
		if (r < 0 || i + rep > nlen + ndist)
			return -1;
		while (rep--)
			lengths[i++] = len;
	}
	if (lengths[256] == 0)
		return -1;
	r = huff_build(&lc, lengths, nlen);
	if (r < 0 || (r > 0 && nlen - lc.count[0] != 1))
		return -1;
	r = huff_build(&dc, lengths + nlen, ndist);
	if (r < 0 || (r > 0 && ndist - dc.count[0] != 1))
		return -1;
	return codes(s, &lc, &dc);
}

static int inflate_all(struct inflate *s)
{
	int last;

	do {
		int type, r;

		last = bits(s, 1);
		type = bits(s, 2);
		if (last < 0 || type < 0)
			return -1;
		r = type == 0	? stored(s)
		    : type == 1 ? fixed(s)
		    : type == 2 ? dynamic(s)
				: -1;
		if (r)
			return -1;
	} while (!last);
	return 0;
}

/* ---- PNG ----------------------------------------------------------------- */

struct image {
	uint32_t width, height;
	unsigned channels;
	uint8_t *px; /* width * height * channels bytes, rows top down */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

/* Undo the per-row filters of PNG (type 0-4) from `raw` into img->px. */
static const char *unfilter(const uint8_t *raw, struct image *img)
{
	size_t bpp = img->channels, rb = (size_t)img->width * bpp;

	for (size_t y = 0; y < img->height; y++) {
		const uint8_t *src = raw + y * (rb + 1) + 1;
		uint8_t *cur = img->px + y * rb;
		const uint8_t *prev = y ? cur - rb : NULL;
		int f = src[-1];

		if (f > 4)
			return "a row has an unknown filter type";
		for (size_t x = 0; x < rb; x++) {
			int a = x >= bpp ? cur[x - bpp] : 0;
			int b = prev ? prev[x] : 0;
			int c = prev && x >= bpp ? prev[x - bpp] : 0;
			int p = f == 0	 ? 0
				: f == 1 ? a
				: f == 2 ? b
				: f == 3 ? (a + b) / 2
					 : paeth(a, b, c);

			cur[x] = (uint8_t)(src[x] + p);
		}
	}
	return NULL;
}

static const char *png_decode(const uint8_t *d, size_t n, struct image *img)
{
	static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
	uint8_t *idat = NULL, *raw;
	size_t idat_len = 0, pos = 8, raw_len;
	int depth = 0, ctype = -1, interlace = 0;
	struct inflate s = {0};
	const char *err = NULL;

	if (n < 8 || memcmp(d, sig, 8))
		return "not a PNG file";
	memset(img, 0, sizeof(*img));
	while (pos + 12 <= n) {
		uint32_t len = be32(d + pos);
		const uint8_t *type = d + pos + 4, *body = d + pos + 8;

		if (len > n - pos - 12) {
			free(idat);
			return "a chunk runs past the end of the file";
		}
		if (!memcmp(type, "IHDR", 4) && len >= 13) {
			img->width = be32(body);
			img->height = be32(body + 4);
			depth = body[8];
			ctype = body[9];
			interlace = body[12];
		} else if (!memcmp(type, "IDAT", 4)) {
			uint8_t *p = realloc(idat, idat_len + len);

			if (!p) {
				free(idat);
				return "out of memory";
			}
			idat = p;
			memcpy(idat + idat_len, body, len);
			idat_len += len;
		} else if (!memcmp(type, "IEND", 4)) {
			break;
		}
		pos += 12 + (size_t)len;
	}

	img->channels = ctype == 0   ? 1
			: ctype == 4 ? 2
			: ctype == 2 ? 3
			: ctype == 6 ? 4
				     : 0;
	if (!img->channels || depth != 8 || interlace)
		err =
		    "only 8-bit grey/RGB(A) PNGs without interlacing are read";
	else if (!img->width || !img->height ||
		 (uint64_t)img->width * img->height > (1u << 26))
		err = "the image size is zero or too large";
	else if (idat_len < 2 || (idat[0] & 0x0f) != 8 || (idat[1] & 0x20) ||
		 (idat[0] * 256 + idat[1]) % 31)
		err = "the image data is not a zlib stream";
	if (err) {
		free(idat);
		return err;
	}

	raw_len =
	    (size_t)img->height * ((size_t)img->width * img->channels + 1);
	raw = malloc(raw_len);
	img->px = malloc(raw_len);
	if (!raw || !img->px) {
		err = "out of memory";
	} else {
		s.in = idat + 2;
		s.in_len = idat_len - 2;
		s.out = raw;
		s.out_len = raw_len;
		if (inflate_all(&s) || s.out_pos != raw_len)
			err = "the compressed image data is corrupt";
		else
			err = unfilter(raw, img);
	}
	free(raw);
	free(idat);
	if (err) {
		free(img->px);
		img->px = NULL;
	}
	return err;
}

/* ---- Counting colours ------------------------------------------------------ */

/* Open addressing: a slot holds a colour (+1, so 0 means empty) and its
 * count. */
struct slot {
	uint64_t key;
	uint32_t count;
};

static void count_colours(const struct image *img, size_t *colours, size_t *ink)
{
	size_t npx = (size_t)img->width * img->height, size = 1, most = 0;
	struct slot *t;

	while (size < 2 * npx)
		size <<= 1;
	t = calloc(size, sizeof(*t));
	if (!t) {
		perror("pngstat: calloc");
		exit(1);
	}
	*colours = 0;
	for (size_t i = 0; i < npx; i++) {
		const uint8_t *p = img->px + i * img->channels;
		uint64_t key = 1;
		size_t h;

		for (unsigned c = 0; c < img->channels; c++)
			key = key << 8 | p[c];
		h = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (size - 1);
		while (t[h].key && t[h].key != key)
			h = (h + 1) & (size - 1);
		if (!t[h].key) {
			t[h].key = key;
			(*colours)++;
		}
		if (++t[h].count > most)
			most = t[h].count;
	}
	*ink = npx - most;
	free(t);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			uint8_t *p = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);

		if (got == 0)
			break;
		*len += got;
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* One line per band of `band` rows (the last band may be shorter), or for
 * the whole image when `band` is 0. */
static void report(const char *path, const struct image *img, uint32_t band)
{
	size_t colours, ink;

	if (!band) {
		count_colours(img, &colours, &ink);
		printf("%s %ux%u colours %zu ink %zu\n", path, img->width,
		       img->height, colours, ink);
		return;
	}
	for (uint32_t y = 0, n = 1; y < img->height; y += band, n++) {
		struct image part = *img;

		part.px = img->px + (size_t)y * img->width * img->channels;
		part.height = img->height - y < band ? img->height - y : band;
		count_colours(&part, &colours, &ink);
		printf("%s#%u %ux%u colours %zu ink %zu\n", path, n, part.width,
		       part.height, colours, ink);
	}
}

int main(int argc, char **argv)
{
	int status = 0, first = 1;
	uint32_t band = 0;

	if (argc > 2 && strcmp(argv[1], "-b") == 0) {
		char *end;
		unsigned long v = strtoul(argv[2], &end, 10);

		if (!*argv[2] || *end || v == 0 || v > 1u << 20) {
			fprintf(stderr, "pngstat: -b wants a height in rows\n");
			return 2;
		}
		band = (uint32_t)v;
		first = 3;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: pngstat [-b ROWS] FILE.png...\n");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct image img;
		size_t len;
		uint8_t *data = read_all(argv[i], &len);
		const char *err;

		if (!data) {
			fprintf(stderr, "pngstat: cannot read %s\n", argv[i]);
			status = 1;
			continue;
		}
		err = png_decode(data, len, &img);
		free(data);
		if (err) {
			fprintf(stderr, "pngstat: %s: %s\n", argv[i], err);
			status = 1;
			continue;
		}
		report(argv[i], &img, band);
		free(img.px);
	}
	return status;
}
