/* readfile.c - read a whole file (see readfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "readfile.h"

char *hpcc_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int err = 0;

	if (!f)
		return NULL;
	/* a directory opens, then fails to read with EISDIR (or EIO):
	 * say what it is */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) { /* room for a chunk and the NUL */
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				err = ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (max && n >= max) {
			err = EFBIG;
			break;
		}
		if (got == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
