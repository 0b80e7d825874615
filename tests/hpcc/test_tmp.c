/* test_tmp.c - hpcc's private temp directory: any number of files, all
 * removed at cleanup. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "tmp.h"

/* issue 13, item 15: the table of paths held 1,024, so the 513th source
 * of one command compiled unmodified ("Too many open files"). */
static void no_fixed_limit(void)
{
	char base[] = "/tmp/hpcc-test-tmp-XXXXXX", *dir, *first = NULL, *last = NULL;
	struct stat st;
	int i;

	CHECK(mkdtemp(base) != NULL);
	setenv("TMPDIR", base, 1);
	CHECK_INT(0, hpcc_tmp_init(0));
	dir = strdup(hpcc_tmp_dir());
	for (i = 0; i < 3000; i++) {
		char *p = hpcc_tmp_file("a.c"), *o;
		FILE *f;

		if (!p)
			TEST_FAIL_("hpcc_tmp_file failed at %d", i);
		f = fopen(p, "w");
		CHECK(f != NULL);
		fclose(f);
		/* and an object the compiler writes beside it */
		o = strdup(p);
		o[strlen(o) - 1] = 'o';
		CHECK_INT(0, hpcc_tmp_track(o));
		f = fopen(o, "w");
		CHECK(f != NULL);
		fclose(f);
		free(o);
		if (i == 0)
			first = strdup(p);
		free(last);
		last = p;
	}
	CHECK_INT(0, stat(first, &st));
	CHECK_INT(0, stat(last, &st));
	hpcc_tmp_cleanup();
	CHECK(stat(last, &st) != 0);
	CHECK(stat(dir, &st) != 0);
	CHECK_INT(0, rmdir(base));
	free(first);
	free(last);
	free(dir);
}

TEST_MAIN(T(no_fixed_limit))
