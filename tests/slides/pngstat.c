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
 * RGB or RGBA, not interlaced): zlib inflates the image data, and the PNG
 * chunks and row filters are read here, so the test needs no image
 * library.  Exit status 0, or 1 if a file could not be read, with the
 * reason.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

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

/*
 * Inflate the deflate data after a zlib stream's 2-byte header (checked by
 * png_decode(), which names a stream that is not zlib): it must end, and
 * fill `out` exactly.  A raw inflate (windowBits -15): the Adler-32
 * trailer is ignored, only the pixels matter here.
 */
static int inflate_exact(const uint8_t *in, size_t in_len, uint8_t *out,
			 size_t out_len)
{
	z_stream z = {0};
	int r;

	if (in_len > UINT_MAX || out_len > UINT_MAX ||
	    inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = in;
	z.avail_in = (uInt)in_len;
	z.next_out = out;
	z.avail_out = (uInt)out_len;
	r = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return r == Z_STREAM_END && z.total_out == out_len ? 0 : -1;
}

static const char *png_decode(const uint8_t *d, size_t n, struct image *img)
{
	static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
	uint8_t *idat = NULL, *raw;
	size_t idat_len = 0, pos = 8, raw_len;
	int depth = 0, ctype = -1, interlace = 0;
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
	if (!raw || !img->px)
		err = "out of memory";
	else if (inflate_exact(idat + 2, idat_len - 2, raw, raw_len))
		err = "the compressed image data is corrupt";
	else
		err = unfilter(raw, img);
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
