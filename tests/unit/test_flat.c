/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapter 1): flat images.  load_flat() copies
 * the bytes to one guest-physical address; an image that does not fit is
 * refused with -ERANGE, a message saying by how much and which --mem
 * would hold it, and guest memory untouched.
 */
#include "loadtest.h"

#include "abi/machine.h"

static void test_flat_fits_exactly(void **state)
{
	size_t len = RAM_SIZE - ABI_REAL_LOAD;
	uint8_t *b = malloc(len);
	struct guest_image img;
	char err[256];

	(void)state;
	assert_non_null(b);
	memset(b, 0x5a, len);
	assert_int_equal(
	    load_flat(&gmem, b, len, ABI_REAL_LOAD, &img, err, sizeof(err)), 0);
	assert_int_equal(img.kind, IMAGE_FLAT);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	assert_int_equal(img.lo, ABI_REAL_LOAD);
	assert_int_equal(img.hi, RAM_SIZE);
	assert_int_equal(img.nsyms, 0);
	assert_memory_equal(ram + ABI_REAL_LOAD, b, len);
	assert_memory_equal(ram, snap, ABI_REAL_LOAD);
	image_free(&img);
	free(b);
}

/* load_flat() of `len` zero bytes at `gpa`: what it returns and says. */
struct flat_case {
	const char *what;
	size_t len;
	uint64_t gpa;
	int ret;
	const char *is;	 /* the whole message, or NULL */
	const char *has; /* part of it, or NULL */
	int no_err;	 /* no err buffer given */
};

static const struct flat_case flat_cases[] = {
    {.what = "one byte too many",
     .len = RAM_SIZE - ABI_REAL_LOAD + 1,
     .gpa = ABI_REAL_LOAD,
     .ret = -ERANGE,
     .is = "image is 2093057 bytes but only 2093056 bytes of guest RAM lie "
	   "above 0x1000; try --mem 4M"},
    {.what = "3 MiB",
     .len = 3 << 20,
     .gpa = ABI_REAL_LOAD,
     .ret = -ERANGE,
     .is = "image is 3145728 bytes but only 2093056 bytes of guest RAM lie "
	   "above 0x1000; try --mem 4M"},
    {.what = "load address past RAM",
     .len = 1,
     .gpa = RAM_SIZE + 1,
     .ret = -ERANGE,
     .has = "past the end of guest RAM (2 MiB)"},
    {.what = "load address 2^64 - 1",
     .len = 1,
     .gpa = UINT64_MAX,
     .ret = -ERANGE},
    {.what = "empty image at the end of RAM", .len = 0, .gpa = RAM_SIZE},
    /* No err buffer: still refused, nothing written. */
    {.what = "one byte too many, no err buffer",
     .len = RAM_SIZE - ABI_REAL_LOAD + 1,
     .gpa = ABI_REAL_LOAD,
     .ret = -ERANGE,
     .no_err = 1},
};

static void test_flat_load(void **state)
{
	const struct flat_case *c = *state;
	uint8_t *b = calloc(1, c->len ? c->len : 1);
	struct guest_image img;
	char err[256] = "";
	int r;

	assert_non_null(b);
	if (c->no_err)
		r = load_flat(&gmem, b, c->len, c->gpa, &img, NULL, 0);
	else
		r = load_flat(&gmem, b, c->len, c->gpa, &img, err, sizeof(err));
	assert_int_equal(r, c->ret);
	if (c->is)
		assert_string_equal(err, c->is);
	if (c->has)
		assert_contains(err, c->has);
	if (r == 0) {
		assert_int_equal(img.lo, c->gpa);
		assert_int_equal(img.hi, c->gpa + c->len);
		image_free(&img);
	} else {
		assert_ram_untouched();
	}
	free(b);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    T(test_flat_fits_exactly),
	};
	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(flat_cases)];
	size_t n = 0;

	ADD_TESTS(tests, n, fixed);
	ADD_ROWS(tests, n, test_flat_load, flat_cases);
	return cmocka_run_group_tests(tests, ram_alloc, ram_free);
}
