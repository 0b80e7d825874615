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

/* Entry points the rewritten code calls (hotpath.h), after "hotpath_". */
static const char *const entries[] = {
	"enter", "enter_cfa", "main_enter", "alloc_enter", "main_alloc_enter", "frame_enter",
	"record",
};

/* One pass for "hotpath_", then the rest of the name.  In an ELF string
 * table names are NUL-delimited on both sides; LLVM bitcode (clang
 * -flto) keeps its names run together, so there the name alone counts.
 * Shared objects are not looked into: one that holds instrumented code
 * needs the runtime itself, and the program linked against it does not
 * (besides, they can be huge). */
static int refers(const char *map, size_t len, const void *arg)
{
	const char *p = map, *end = map + len;
	int bitcode = len >= 4 && memcmp(map, "BC\xc0\xde", 4) == 0;
	size_t i, n;

	(void)arg;
	if (len >= 18 && memcmp(map, "\177ELF", 4) == 0 &&
	    map[16] == 3 && map[17] == 0) /* ET_DYN, little-endian */
		return 0;
	while ((p = memmem(p, (size_t)(end - p), "hotpath_", 8)) != NULL) {
		const char *q = p + 8;

		if (bitcode || (p > map && p[-1] == '\0')) {
			for (i = 0; i < sizeof entries / sizeof entries[0]; i++) {
				n = strlen(entries[i]);
				if ((size_t)(end - q) > n && memcmp(q, entries[i], n) == 0 &&
				    (bitcode || q[n] == '\0'))
					return 1;
			}
		}
		p = q;
	}
	return 0;
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
