/* scratch.h - a scratch folder for a unit test of hpcc: made on first use,
 * removed at exit, with files written into it by name.  Header-only, like
 * tests/runtime/child.h: each test binary that includes it has its own. */
#ifndef HPCC_TEST_SCRATCH_H
#define HPCC_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>

static char scratch_path[] = "/tmp/hpcc-test-XXXXXX";

static void scratch_cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", scratch_path);
}

/* The folder, made on first use. */
static const char *scratch_dir(void)
{
	static int made;

	if (!made++) {
		if (!mkdtemp(scratch_path)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(scratch_cleanup);
	}
	return scratch_path;
}

/* Writes `text` to the folder's file `name`; its path (valid for the next
 * 63 calls), or NULL. */
static const char *scratch_write(const char *name, const char *text)
{
	static char paths[64][256];
	static int next;
	char *p = paths[next++ % 64];
	FILE *f;

	snprintf(p, 256, "%s/%s", scratch_dir(), name);
	f = fopen(p, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return p;
}

#endif
