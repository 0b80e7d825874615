/* objscan.c - see objscan.h. */
#include "objscan.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Calls found(map, len, arg) on the mapped file; 0 when it cannot. */
static int with_map(const char *path, int (*found)(const char *, size_t, const void *),
		    const void *arg)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			r = found(m, (size_t)st.st_size, arg);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return r;
}

/* The word, NUL-delimited on both sides (its sizeof counts one NUL). */
#define HAS(map, len, word) (memmem((map), (len), "\0" word, sizeof word + 1) != NULL)

static int refers(const char *map, size_t len, const void *arg)
{
	(void)arg;
	return HAS(map, len, "hotpath_enter") || HAS(map, len, "hotpath_main_enter") ||
	       HAS(map, len, "hotpath_alloc_enter") ||
	       HAS(map, len, "hotpath_main_alloc_enter") ||
	       HAS(map, len, "hotpath_frame_enter") || HAS(map, len, "hotpath_record");
}

static int names(const char *map, size_t len, const void *arg)
{
	const char *soname = arg;
	size_t n = strlen(soname) + 1;
	const char *p = map, *end = map + len;

	/* "\0<soname>\0" in .dynstr */
	while ((p = memmem(p, (size_t)(end - p), soname, n)) != NULL) {
		if (p > map && p[-1] == '\0')
			return 1;
		p++;
	}
	return 0;
}

int hpcc_objscan_uses_runtime(const char *path)
{
	return with_map(path, refers, NULL);
}

int hpcc_objscan_needs_runtime(const char *path, const char *soname)
{
	return with_map(path, names, soname);
}
