/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the loader (chapters 1-3): guest image files.
 * load_guest_file() and guest_file_read()/guest_file_load() read a path
 * and load it as ELF or flat; a file that is missing, unreadable, empty,
 * not a regular file or too large is refused with the status the chapters
 * exit with (66 or 65) and a message on stderr, and guest RAM is left
 * untouched.  The messages are captured and checked here.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loadtest.h"

#include "abi/machine.h"

/* ---- Helpers ---------------------------------------------------------- */

/* Capture what a load_guest_file() call reports on stderr. */
static char captured[4096];
static FILE *capture_file;
static int saved_stderr = -1;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fileno(capture_file), STDERR_FILENO);
	log_level = LOG_WARNING;
}

static const char *capture_end(void)
{
	size_t n;

	log_level = LOG_QUIET;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(capture_file);
	n = fread(captured, 1, sizeof(captured) - 1, capture_file);
	captured[n] = '\0';
	fclose(capture_file);
	return captured;
}

/* A new file in /tmp holding `data`; its name goes to path[64]. */
static void write_temp(char *path, const void *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/kvmlab-test-loader-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void resize(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

/* good_spec(1) built for `machine` (0: x86-64) as a file of `size` bytes
 * (0: as long as the ELF file). */
static void write_elf(char *path, uint16_t machine, off_t size)
{
	struct elf_spec s = good_spec(1);
	struct elf_layout l;
	uint8_t *b;

	if (machine)
		s.machine = machine;
	b = build_elf(&s, &l);
	write_temp(path, b, l.len);
	free(b);
	if (size)
		resize(path, size);
}

/* ---- Files that load -------------------------------------------------- */

/* Read first, load later: chapters read the image before opening KVM, so
 * reading touches no guest RAM and needs only the RAM size. */
static void test_file_two_steps(void **state)
{
	static const uint8_t code[] = {0xf4}; /* hlt */
	struct guest_image img;
	struct guest_file f;
	char path[64];
	int r;

	(void)state;
	capture_start();
	r = guest_file_read(&f, "/tmp/kvmlab-test-no-such-file.bin", RAM_SIZE,
			    0);
	assert_contains(capture_end(), "no such file");
	assert_int_equal(r, -ABI_STATUS_NO_IMAGE);
	assert_null(f.buf);
	guest_file_free(&f);

	write_temp(path, code, sizeof(code));
	capture_start();
	r = guest_file_read(&f, path, RAM_SIZE, 0);
	capture_end();
	assert_int_equal(r, 0);
	assert_int_equal(f.len, 1);
	assert_ram_untouched();
	capture_start();
	r = guest_file_load(&f, &gmem, ABI_REAL_LOAD, &img);
	capture_end();
	unlink(path);
	assert_int_equal(r, 0);
	assert_null(f.buf); /* the load frees it */
	assert_int_equal(ram[ABI_REAL_LOAD], 0xf4);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	image_free(&img);
	guest_file_free(&f);
}

/* Bytes that are not ELF are a flat image, loaded where the caller says. */
static void test_file_flat(void **state)
{
	uint8_t bytes[4096];
	struct guest_image img;
	char path[64];
	size_t i;

	(void)state;
	/* Arbitrary but repeatable bytes: a failure reproduces. */
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)((i * 37 + (i >> 3) * 11) ^ 0x5a);
	bytes[0] = 0xfa; /* cli: not the ELF magic */
	write_temp(path, bytes, sizeof(bytes));
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	unlink(path);
	assert_int_equal(img.kind, IMAGE_FLAT);
	assert_int_equal(img.entry, ABI_REAL_LOAD);
	assert_int_equal(img.hi, ABI_REAL_LOAD + sizeof(bytes));
	assert_memory_equal(ram + ABI_REAL_LOAD, bytes, sizeof(bytes));
	assert_memory_equal(ram, snap, ABI_REAL_LOAD);
	image_free(&img);
}

static void test_file_elf(void **state)
{
	struct elf_spec s = good_spec(1);
	struct guest_image img;
	struct elf_layout l;
	uint8_t *b = build_elf(&s, &l);
	char path[64];
	uint64_t addr;

	(void)state;
	write_temp(path, b, l.len);
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	unlink(path);
	assert_int_equal(img.kind, IMAGE_ELF64);
	assert_int_equal(img.entry, 0x100010);
	assert_int_equal(image_symbol_find(&img, "putc", &addr), 0);
	assert_int_equal(addr, 0x100010);
	assert_memory_equal(ram + 0x100000, b + l.seg_off[0], 0x40);
	image_free(&img);
	free(b);
}

/* ELF files may be bigger than RAM (debug information), within reason. */
static void test_file_elf_bigger_than_ram(void **state)
{
	struct guest_image img;
	char path[64];

	(void)state;
	write_elf(path, 0, 3 << 20);
	assert_int_equal(load_guest_file(&gmem, path, ABI_REAL_LOAD, 1, &img),
			 0);
	unlink(path);
	assert_int_equal(img.nsyms, 5);
	image_free(&img);
}

/* ---- Files that do not ------------------------------------------------ */

/* Each makes a file and puts its name in path[80]; false: cannot here. */
static bool make_empty(char *path)
{
	write_temp(path, "", 0);
	return true;
}

static bool make_directory(char *path)
{
	strcpy(path, "/tmp/kvmlab-test-dir-XXXXXX");
	assert_non_null(mkdtemp(path));
	return true;
}

/* A symlink to itself (ELOOP), which fails even for root. */
static bool make_symlink_loop(char *path)
{
	snprintf(path, 80, "/tmp/kvmlab-test-loop-%d", (int)getpid());
	unlink(path);
	assert_int_equal(symlink(path, path), 0);
	return true;
}

/* No read permission: only testable when not root. */
static bool make_unreadable(char *path)
{
	if (geteuid() == 0)
		return false;
	write_temp(path, "\xf4", 1);
	assert_int_equal(chmod(path, 0), 0);
	return true;
}

/* Sparse and 64 GiB long, so a loader that read it first would run out of
 * memory; where the file system cannot, one byte more than RAM. */
static bool make_huge(char *path)
{
	int fd;

	write_temp(path, "\xeb\xfe", 2);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	if (ftruncate(fd, (off_t)64 << 30) != 0)
		assert_int_equal(ftruncate(fd, RAM_SIZE + 1), 0);
	close(fd);
	return true;
}

static bool make_ram_plus_one(char *path)
{
	write_temp(path, "\xeb\xfe", 2);
	resize(path, RAM_SIZE + 1);
	return true;
}

static bool make_flat_8k(char *path)
{
	static uint8_t bytes[0x2000] = {0xf4};

	write_temp(path, bytes, sizeof(bytes));
	return true;
}

static bool make_elf(char *path)
{
	write_elf(path, 0, 0);
	return true;
}

static bool make_elf_aarch64(char *path)
{
	write_elf(path, EM_AARCH64, 0);
	return true;
}

static bool make_elf_65m(char *path)
{
	write_elf(path, 0, (off_t)65 << 20);
	return true;
}

/* load_guest_file() of the file `make` made (or of `path`) at `gpa`. */
struct file_case {
	const char *what;
	bool (*make)(char *path); /* NULL: use `path` as it is */
	const char *path;
	uint64_t gpa;	/* 0: ABI_REAL_LOAD */
	bool flat_only; /* a chapter that takes no ELF */
	int ret;
	const char *says[2]; /* in the messages on stderr */
};

static const struct file_case file_cases[] = {
    {.what = "missing",
     .path = "/tmp/kvmlab-test-no-such-file.bin",
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"no such file: /tmp/kvmlab-test-no-such-file.bin",
	      "build it with make, or check the path"}},
    {.what = "empty",
     .make = make_empty,
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"is empty: a guest image needs at least one instruction"}},
    {.what = "a directory",
     .make = make_directory,
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"is a directory"}},
    {.what = "not a regular file",
     .path = "/dev/null",
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"not a regular file"}},
    /* Files that exist but cannot be opened: the reason is strerror's. */
    {.what = "a symlink loop",
     .make = make_symlink_loop,
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"cannot open", "symbolic links"}},
    {.what = "no read permission",
     .make = make_unreadable,
     .ret = -ABI_STATUS_NO_IMAGE,
     .says = {"Permission denied"}},
    /* Larger than RAM: refused from its size alone. */
    {.what = "64 GiB",
     .make = make_huge,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"more than the 2 MiB of guest RAM"}},
    {.what = "one byte more than RAM",
     .make = make_ram_plus_one,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"2097153 bytes"}},
    /* A flat image that does not fit: the reason and the advice. */
    {.what = "flat, too big at its address",
     .make = make_flat_8k,
     .gpa = RAM_SIZE - 0x1000,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"try --mem 4M"}},
    /* Refused instead of running the ELF header as code. */
    {.what = "ELF, to a chapter that runs flat binaries",
     .make = make_elf,
     .flat_only = true,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"is an ELF file"}},
    /* A broken ELF file: the loader's reason is printed. */
    {.what = "ELF for AArch64",
     .make = make_elf_aarch64,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"cannot load", "64-bit ARM"}},
    {.what = "ELF over 64 MiB",
     .make = make_elf_65m,
     .ret = -ABI_STATUS_BAD_IMAGE,
     .says = {"64 MiB"}},
};

static void test_file_refused(void **state)
{
	const struct file_case *c = *state;
	struct guest_image img;
	char path[80];
	const char *out;
	int r;

	if (!c->make) {
		snprintf(path, sizeof(path), "%s", c->path);
	} else if (!c->make(path)) {
		print_message("  not testable here (root reads anything)\n");
		return;
	}
	capture_start();
	r = load_guest_file(&gmem, path, c->gpa ? c->gpa : ABI_REAL_LOAD,
			    !c->flat_only, &img);
	out = capture_end();
	if (c->make)
		remove(path);
	assert_int_equal(r, c->ret);
	for (size_t i = 0; i < ARRAY_LEN(c->says); i++)
		if (c->says[i])
			assert_contains(out, c->says[i]);
	assert_ram_untouched();
	image_free(&img); /* safe after a failed load */
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    T(test_file_two_steps),
	    T(test_file_flat),
	    T(test_file_elf),
	    T(test_file_elf_bigger_than_ram),
	};
	struct CMUnitTest tests[ARRAY_LEN(fixed) + ARRAY_LEN(file_cases)];
	size_t n = 0;

	ADD_TESTS(tests, n, fixed);
	ADD_ROWS(tests, n, test_file_refused, file_cases);
	return cmocka_run_group_tests(tests, ram_alloc, ram_free);
}
