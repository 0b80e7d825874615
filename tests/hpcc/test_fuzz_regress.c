/* test_fuzz_regress.c - replays the fuzzers' inputs without libFuzzer.
 *
 * The harnesses of tests/fuzz/ are compiled in here as plain functions;
 * every file of tests/fuzz/regress/<target>/ (inputs that once crashed or
 * broke an invariant) and of tests/fuzz/corpus/<target>/ (the seeds) goes
 * through the same entry point.  A harness aborts on a broken invariant,
 * which fails this test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#include "../fuzz/fuzz_annot.c"
#include "../fuzz/fuzz_args.c"
#include "../fuzz/fuzz_finder.c"
#include "../fuzz/fuzz_rewrite.c"

#define FUZZ_DIR HPCC_SOURCE_DIR "/tests/fuzz"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Replays every file of `dir` through `fn`; returns how many, or -1 when
 * a file cannot be read. */
static int replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0; /* no such directory: nothing kept yet */
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t len = 0;
		char *buf;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		buf = slurp(path, &len);
		if (!buf) {
			fprintf(stderr, "cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		fn((const uint8_t *)buf, len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

static int replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
	char dir[4096];
	int a, b;

	snprintf(dir, sizeof dir, "%s/regress/%s", FUZZ_DIR, target);
	a = replay_dir(dir, fn);
	snprintf(dir, sizeof dir, "%s/corpus/%s", FUZZ_DIR, target);
	b = replay_dir(dir, fn);
	return a < 0 || b < 0 ? -1 : a + b;
}

static void annot_inputs(void)
{
	CHECK(replay("annot", hpcc_fuzz_annot) > 0);
}

static void rewrite_inputs(void)
{
	CHECK(replay("rewrite", hpcc_fuzz_rewrite) > 0);
}

static void args_inputs(void)
{
	CHECK(replay("args", hpcc_fuzz_args) > 0);
}

static void finder_inputs(void)
{
	FILE *saved = NULL;
	int n, fd = dup(2);

	/* the finder's warnings about the fuzzed sources are noise here */
	if (fd >= 0 && (saved = freopen("/dev/null", "w", stderr)) == NULL)
		close(fd), fd = -1;
	n = replay("finder", hpcc_fuzz_finder);
	if (fd >= 0) {
		fflush(stderr);
		dup2(fd, 2);
		close(fd);
	}
	CHECK(n > 0);
}

/* The args harness writes response files into its working directory. */
static char workdir[] = "/tmp/hpcc-fuzz-regress-XXXXXX";

static void cleanup(void)
{
	int k;

	for (k = 0; k < 4; k++) {
		char name[64];

		snprintf(name, sizeof name, "%s/r%d", workdir, k);
		remove(name);
	}
	rmdir(workdir);
}

static void setup(void) __attribute__((constructor));
static void setup(void)
{
	if (!mkdtemp(workdir) || chdir(workdir) != 0) {
		perror("hpcc test_fuzz_regress: temp dir");
		exit(1);
	}
	atexit(cleanup);
}

TEST_MAIN(T(annot_inputs), T(rewrite_inputs), T(args_inputs), T(finder_inputs))
